//! The loader on the real spec, and on broken copies of it: every problem is reported
//! at once, each with file, line, column and field path.

use std::fs;
use std::path::{Path, PathBuf};

use paysmith_spec::{Diagnostic, load};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A copy of the spec (and the vector files it names) in a fresh directory.
fn copy_of_spec(name: &str) -> PathBuf {
    let target = std::env::temp_dir().join(format!("paysmith-spec-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&target);
    for dir in [
        "spec/schemes",
        "spec/apis",
        "conformance/fixtures/onebitpay-mpc-rsa",
        "conformance/vectors",
    ] {
        fs::create_dir_all(target.join(dir)).unwrap();
        for entry in fs::read_dir(repo_root().join(dir)).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), target.join(dir).join(entry.file_name())).unwrap();
        }
    }
    target
}

fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// 1-based line of the first occurrence of `needle` in `file`.
fn line_of(root: &Path, file: &str, needle: &str) -> usize {
    let text = fs::read_to_string(root.join(file)).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}

fn find<'a>(problems: &'a [Diagnostic], message: &str) -> &'a Diagnostic {
    problems
        .iter()
        .find(|d| d.message.contains(message))
        .unwrap_or_else(|| panic!("no problem mentioning `{message}` in:\n{problems:#?}"))
}

#[test]
fn the_real_spec_loads() {
    let spec = load(&repo_root()).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(spec.apis.len(), 4);
    assert!(spec.apis.iter().any(|api| api.value.id == "bitpay"));
    assert!(spec.scheme("bitpay-ecdsa").is_some());
    assert!(spec.scheme("acquia-http-hmac-v2").is_some());
    assert!(spec.scheme("bitpro-hmac-sha1").is_some());
    assert!(spec.scheme("onebitpay-md5").is_some());
    assert!(spec.scheme("onebitpay-mpc-rsa").is_some());
    assert!(!spec.vector_files.is_empty());
}

#[test]
fn semantic_problems_are_all_reported_with_positions() {
    let root = copy_of_spec("semantic");
    let api = "spec/apis/onebitpay.yaml";
    edit(
        &root,
        api,
        "    auth: onebitpay-md5\n    request: RateRequest",
        "    auth: onebitpay-sha9\n    request: RateRequest",
    );
    edit(
        &root,
        api,
        "{ name: total, type: integer",
        "{ name: total, type: Integr",
    );
    edit(
        &root,
        api,
        "    repr: integer\n    open: true\n    values:\n      - { value: 1, name: Buy",
        "    repr: integer\n    open: false\n    values:\n      - { value: 1, name: Buy",
    );
    edit(
        &root,
        api,
        "      secret: api_secret",
        "      secret: api_key",
    );

    let problems = load(&root).unwrap_err().0;
    assert!(problems.len() >= 4, "{problems:#?}");

    let auth = find(&problems, "unknown scheme `onebitpay-sha9`");
    assert_eq!(auth.file, Path::new(api));
    assert_eq!(auth.path, "endpoints[0].auth");
    assert_eq!(auth.line, line_of(&root, api, "auth: onebitpay-sha9"));
    assert_eq!(auth.column, 5);

    let ty = find(&problems, "unknown type `Integr`");
    assert!(
        ty.path.starts_with("models[") && ty.path.ends_with(".type"),
        "{}",
        ty.path
    );
    assert_eq!(ty.line, line_of(&root, api, "type: Integr"));

    let open = find(&problems, "`OrderType` appears in a response or callback");
    assert!(open.path.ends_with(".open"), "{}", open.path);

    let secret = find(&problems, "`api_key` is not a secret credential");
    assert_eq!(secret.path, "callbacks[0].signature.secret");
    assert_eq!(secret.line, line_of(&root, api, "secret: api_key"));
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn structural_problems_in_several_files_are_all_reported() {
    let root = copy_of_spec("structural");
    let api = "spec/apis/onebitpay.yaml";
    let scheme = "spec/schemes/onebitpay-md5.yaml";
    edit(
        &root,
        api,
        "    money_moving: false\n",
        "    money_moving: false\n    retries: 3\n",
    );
    edit(
        &root,
        api,
        "    method: POST\n    path: /api/otc/create",
        "    method: FETCH\n    path: /api/otc/create",
    );
    edit(&root, scheme, "    digest: md5", "    digest: md4");
    edit(
        &root,
        scheme,
        "# yaml-language-server: $schema=../scheme.schema.json\n",
        "",
    );

    let problems = load(&root).unwrap_err().0;
    let unknown = find(&problems, "retries");
    assert_eq!(unknown.file, Path::new(api));
    let method = find(&problems, "FETCH");
    assert_eq!(method.path, "endpoints[1].method");
    assert_eq!(method.line, line_of(&root, api, "method: FETCH"));
    let digest = find(&problems, "md4");
    assert_eq!(digest.file, Path::new(scheme));
    assert_eq!(digest.line, line_of(&root, scheme, "digest: md4"));
    assert!(
        !problems
            .iter()
            .any(|d| d.message.contains("unknown scheme `onebitpay-md5`")),
        "a scheme file that failed to load is not reported again at every reference"
    );
    let modeline = find(&problems, "yaml-language-server");
    assert_eq!(
        (modeline.file.as_path(), modeline.line),
        (Path::new(scheme), 1)
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn bitpay_rules_for_body_tokens_code_suffixes_and_false_values() {
    let root = copy_of_spec("bitpay");
    let api = "spec/apis/bitpay.yaml";
    // A resource token in the body of a GET.
    edit(
        &root,
        api,
        "        param: token\n        path_params: { settlementId: id }",
        "        param: token\n        location: body\n        path_params: { settlementId: id }",
    );
    // A kind matched both by a whole code and by a suffix.
    edit(
        &root,
        api,
        "{ name: ResourceNotFound, code_suffix: \"0001\",",
        "{ name: ResourceNotFound, code: \"020001\", code_suffix: \"0001\",",
    );
    // `false` is the only boolean a string enum may hold.
    edit(
        &root,
        api,
        "{ value: false, name: NoException,",
        "{ value: true, name: NoException,",
    );
    // A payload pointer that is neither `""` nor starts with `/`.
    edit(
        &root,
        api,
        "      payload_resource: \"\"",
        "      payload_resource: id",
    );
    // Volatile fields: one the resource does not have, one that is no pointer.
    edit(
        &root,
        api,
        "      volatile: [/currentTime, /transactions/*/confirmations]",
        "      volatile: [/currentTimes, transactions]",
    );

    let problems = load(&root).unwrap_err().0;
    let body = find(
        &problems,
        "a token in the body needs a POST, PUT or PATCH endpoint",
    );
    assert!(body.path.ends_with(".token"), "{}", body.path);
    let both = find(&problems, "`code` and `code_suffix` exclude each other");
    assert!(both.path.starts_with("error_body.kinds["), "{}", both.path);
    let repr = find(&problems, "value does not match the enum's repr");
    assert_eq!(
        repr.line,
        line_of(&root, api, "{ value: true, name: NoException,")
    );
    find(&problems, "`id` is not a JSON pointer");
    let unknown = find(
        &problems,
        "`currentTimes` is not a field of the resource `get_invoice` answers",
    );
    assert!(
        unknown.path.ends_with(".confirm.volatile[0]"),
        "{}",
        unknown.path
    );
    let bare = find(&problems, "`transactions` is not a JSON pointer");
    assert!(bare.path.ends_with(".confirm.volatile[1]"), "{}", bare.path);
    assert_eq!(
        bare.line,
        line_of(&root, api, "      volatile: [/currentTimes, transactions]")
    );
    let in_api = problems.iter().filter(|d| d.file == Path::new(api)).count();
    assert_eq!(in_api, 6, "{problems:#?}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn structural_and_semantic_problems_of_one_file_are_reported_in_one_run() {
    let root = copy_of_spec("both");
    let api = "spec/apis/onebitpay.yaml";
    // Structural: create_order (endpoints[1]) has a method the model does not know, so
    // that endpoint is cut from what the semantic checks see.
    edit(
        &root,
        api,
        "    method: POST\n    path: /api/otc/create",
        "    method: FETCH\n    path: /api/otc/create",
    );
    // Structural: an unknown key in a model; only the key is cut.
    edit(
        &root,
        api,
        "  - name: RateRequest\n    description: Currencies to quote.",
        "  - name: RateRequest\n    colour: blue\n    description: Currencies to quote.",
    );
    // Structural: a model without its description is cut; what refers to it (the
    // pending_signatures endpoint) is not reported again.
    edit(
        &root,
        api,
        "  - name: PendingPage\n    description: One page of transactions waiting for the co-signer.\n",
        "  - name: PendingPage\n",
    );
    // Semantic, after the cut endpoint and in a model that stays.
    edit(
        &root,
        api,
        "    auth: onebitpay-md5\n    request: ApproveRequest",
        "    auth: onebitpay-sha9\n    request: ApproveRequest",
    );
    edit(
        &root,
        api,
        "{ name: pageSize, type: integer",
        "{ name: pageSize, type: Integr",
    );

    let problems = load(&root).unwrap_err().0;

    let method = find(&problems, "FETCH");
    assert_eq!(method.path, "endpoints[1].method");
    assert_eq!(method.line, line_of(&root, api, "method: FETCH"));
    assert_eq!(
        method.message,
        "unknown variant `FETCH`, expected one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`"
    );
    let colour = find(&problems, "`colour`");
    assert_eq!(colour.path, "models[0].colour");
    assert_eq!(colour.line, line_of(&root, api, "colour: blue"));
    let missing = find(&problems, "missing field `description`");
    assert_eq!(missing.path, "models[7]");

    // The semantic checks ran on the rest, with paths and lines of the file as written
    // (approve is still endpoints[3], though endpoints[1] was cut before the checks).
    let auth = find(&problems, "unknown scheme `onebitpay-sha9`");
    assert_eq!(auth.path, "endpoints[3].auth");
    assert_eq!(auth.line, line_of(&root, api, "auth: onebitpay-sha9"));
    let ty = find(&problems, "unknown type `Integr`");
    assert_eq!(ty.path, "models[6].fields[1].type");
    assert_eq!(ty.line, line_of(&root, api, "type: Integr"));

    assert!(
        !problems
            .iter()
            .any(|d| d.message.contains("unknown model `PendingPage`")),
        "a cut model is not reported again where it is used:\n{problems:#?}"
    );
    assert_eq!(problems.len(), 5, "{problems:#?}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn unknown_keys_read_alike_whether_the_schema_or_the_model_finds_them() {
    let root = copy_of_spec("wording");
    let api = "spec/apis/onebitpay.yaml";
    let scheme = "spec/schemes/onebitpay-mpc-rsa.yaml";
    // Found by the JSON Schema (a plain object).
    edit(
        &root,
        api,
        "    money_moving: false\n",
        "    money_moving: false\n    retries: 3\n",
    );
    // Inside the signing family, where the schema only says that no form fits and
    // serde names the key.
    edit(
        &root,
        scheme,
        "    output: base64\n",
        "    output: base64\n    colour: blue\n",
    );
    // A semantic problem of that scheme file is still found: the key was cut, not the file.
    edit(
        &root,
        scheme,
        "  - id: java-sample-errors",
        "  - id: python-sample-broken",
    );
    let problems = load(&root).unwrap_err().0;
    let duplicate = find(&problems, "duplicate erratum id `python-sample-broken`");
    assert_eq!(duplicate.file, Path::new(scheme));
    let retries = find(&problems, "`retries`");
    assert_eq!(retries.path, "endpoints[0].retries");
    assert!(
        retries
            .message
            .starts_with("unknown field `retries`, expected one of `id`, `summary`, "),
        "{}",
        retries.message
    );
    let colour = find(&problems, "`colour`");
    assert_eq!(colour.path, "signing.params.colour");
    assert_eq!(colour.line, line_of(&root, scheme, "colour: blue"));
    assert_eq!(
        colour.message,
        "unknown field `colour`, expected `output` or `password_template`"
    );
    for problem in &problems {
        assert!(
            !problem.message.contains("not allowed") && !problem.message.contains("was unexpected"),
            "{problem}"
        );
    }
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn signing_examples_and_parse_only_fields_are_checked() {
    let root = copy_of_spec("examples");
    let api = "spec/apis/onebitpay.yaml";
    let scheme = "spec/schemes/onebitpay-md5.yaml";
    edit(
        &root,
        scheme,
        "    vector: authentication-example\n    complete: true",
        "    vector: authentication-exampel\n    complete: true",
    );
    edit(
        &root,
        scheme,
        "    erratum: timestamp-number-in-example\n    json: |",
        "    erratum: timestamp-as-number\n    json: |",
    );
    edit(
        &root,
        api,
        "        required: false\n        parse_only: true",
        "        required: true\n        parse_only: true",
    );
    let problems = load(&root).unwrap_err().0;
    let vector = find(&problems, "unknown vector `authentication-exampel`");
    assert_eq!(vector.path, "examples[1].vector");
    assert_eq!(
        vector.line,
        line_of(&root, scheme, "authentication-exampel")
    );
    let erratum = find(&problems, "unknown erratum `timestamp-as-number`");
    assert_eq!(erratum.path, "examples[1].erratum");
    let required = find(&problems, "never sent cannot be required");
    assert!(required.path.ends_with(".parse_only"), "{}", required.path);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_yaml_syntax_error_names_its_line() {
    let root = copy_of_spec("syntax");
    let api = "spec/apis/onebitpay.yaml";
    edit(&root, api, "title: 1BitPay open API", "title: [unclosed");
    let problems = load(&root).unwrap_err().0;
    let syntax = find(&problems, "not valid YAML");
    assert_eq!(syntax.file, Path::new(api));
    assert!(syntax.line > 0);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn checked_in_schemas_are_current() {
    for (path, contents) in paysmith_spec::schema::checked_in() {
        let on_disk = fs::read_to_string(repo_root().join(path)).unwrap();
        assert_eq!(
            on_disk, contents,
            "{path} is stale: run `cargo xtask schema`"
        );
    }
}
