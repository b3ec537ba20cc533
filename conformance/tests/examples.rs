//! Every JSON example of every API document parses into its generated model, or is a
//! tracked erratum whose printed form fails and whose corrected form parses.

use paysmith_conformance::{roundtrip, spec};

fn data_of(json: &str, api: &paysmith_spec::model::ApiFile) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if let Some(data) = &api.data_envelope {
        return value
            .get(&data.data_field)
            .map(|data| data.to_string())
            .ok_or_else(|| format!("no `{}` field", data.data_field));
    }
    let envelope = api.envelope.as_ref().ok_or("no envelope")?;
    let code = value.get(&envelope.code_field).and_then(|c| c.as_i64());
    if code != Some(envelope.success_code) {
        return Err(format!("envelope code is {code:?}"));
    }
    value
        .get(&envelope.data_field)
        .map(|data| data.to_string())
        .ok_or_else(|| "no data".to_owned())
}

fn parse(
    api: &paysmith_spec::model::ApiFile,
    model: &str,
    enveloped: bool,
    json: &str,
) -> Result<serde_json::Value, String> {
    let payload = if enveloped {
        data_of(json, api)?
    } else {
        json.to_owned()
    };
    // A list parses element by element into its model.
    if let Some(inner) = model
        .strip_prefix("list<")
        .and_then(|m| m.strip_suffix('>'))
    {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(&payload).map_err(|e| e.to_string())?;
        return items
            .iter()
            .map(|item| roundtrip(&api.id, inner, &item.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(serde_json::Value::Array);
    }
    roundtrip(&api.id, model, &payload)
}

/// How many JSON examples each document prints, so none can vanish from the spec
/// unnoticed.
const DOCUMENTED_EXAMPLES: &[(&str, usize)] = &[
    // 12 ```json blocks of 001_cc5ec75f2229014b.txt plus the signObject of "Signature example".
    ("onebitpay", 13),
    // The shell-tab JSON of 002_e447c3fd7c208423.txt: ping, the error object, rates,
    // create client, get client, buy, withdrawal, transactions, one transaction.
    ("bitpro", 9),
    // The webhook payload of 003_6225fb776d893821.txt.
    ("bitpro_mapi", 1),
    // The pairing response of 004_8dfd841432626b8e.txt, and 20 response, notification
    // and error examples of BitPay's API reference and SDK guides (spec/apis/bitpay.yaml).
    ("bitpay", 21),
];

/// Signing inputs printed as JSON, per scheme.
const DOCUMENTED_SIGNING_INPUTS: &[(&str, usize)] = &[
    // The two objects of 001's "Authentication example".
    ("onebitpay-md5", 2),
];

#[test]
fn every_scheme_keeps_its_printed_signing_inputs() {
    let spec = spec();
    let schemes: Vec<(&str, usize)> = spec
        .schemes
        .iter()
        .filter(|loaded| !loaded.value.examples.is_empty())
        .map(|loaded| (loaded.value.id.as_str(), loaded.value.examples.len()))
        .collect();
    assert_eq!(schemes, DOCUMENTED_SIGNING_INPUTS);
}

/// Each printed signing input is (part of) its vector's input: every value, as the text
/// the scheme signs, is the vector's parameter; a complete one has every parameter.
#[test]
fn every_printed_signing_input_is_its_vectors_input() {
    let spec = spec();
    for loaded in &spec.schemes {
        let scheme = &loaded.value;
        for example in &scheme.examples {
            let at = format!("{}/{}", scheme.id, example.id);
            let printed: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&example.json).unwrap_or_else(|e| panic!("{at}: {e}"));
            let vector = scheme
                .vectors
                .iter()
                .find(|v| v.id == example.vector)
                .unwrap_or_else(|| panic!("{at}: no vector {}", example.vector));
            let params = vector.input["params"]
                .as_object()
                .unwrap_or_else(|| panic!("{at}: the vector's input has no params"));
            for (key, value) in &printed {
                let text = paysmith_sign::stringify_json_scalar(value)
                    .unwrap_or_else(|| panic!("{at}: `{key}` is not a scalar"));
                assert_eq!(
                    params.get(key).and_then(|v| v.as_str()),
                    Some(text.as_str()),
                    "{at}: `{key}`"
                );
            }
            if example.complete {
                let mut printed_keys: Vec<&String> = printed.keys().collect();
                let mut vector_keys: Vec<&String> = params.keys().collect();
                printed_keys.sort();
                vector_keys.sort();
                assert_eq!(printed_keys, vector_keys, "{at}");
            }
            // An erratum on a printed input stands for a value printed other than as the
            // string that is signed.
            let differs = printed.values().any(|v| !v.is_string());
            assert_eq!(
                example.erratum.is_some(),
                differs,
                "{at}: an erratum exactly when a value is printed as a non-string"
            );
        }
    }
}

#[test]
fn every_documented_example_parses_or_is_a_tracked_erratum() {
    let spec = spec();
    let mut checked = std::collections::BTreeMap::new();
    for loaded in &spec.apis {
        let api = &loaded.value;
        checked.insert(api.id.as_str(), 0);
        for example in &api.examples {
            let printed = parse(api, &example.model, example.enveloped, &example.json);
            match (&example.erratum, &example.corrected) {
                (None, _) => {
                    let value = printed.unwrap_or_else(|e| {
                        panic!(
                            "{}/{}: does not parse into {}: {e}",
                            api.id, example.id, example.model
                        )
                    });
                    // Serialising and parsing again is stable.
                    let again = parse(api, &example.model, false, &value.to_string()).unwrap();
                    assert_eq!(again, value, "{}/{}", api.id, example.id);
                }
                (Some(erratum), Some(corrected)) => {
                    assert!(
                        printed.is_err(),
                        "{}/{}: erratum `{erratum}` says the printed example fails, but it parses",
                        api.id,
                        example.id
                    );
                    parse(api, &example.model, example.enveloped, corrected).unwrap_or_else(|e| {
                        panic!(
                            "{}/{}: corrected example does not parse: {e}",
                            api.id, example.id
                        )
                    });
                }
                (Some(_), None) => unreachable!("the loader requires `corrected` with `erratum`"),
            }
            *checked.get_mut(api.id.as_str()).unwrap() += 1;
        }
    }
    // Every API is listed with its document's count: an example cannot vanish, nor an
    // API arrive without saying how many examples its document prints.
    let expected: std::collections::BTreeMap<&str, usize> =
        DOCUMENTED_EXAMPLES.iter().copied().collect();
    assert_eq!(checked, expected);
}

#[test]
fn lenient_forms_keep_their_meaning() {
    use paysmith_onebitpay_models::{CreateOrderRequest, OrderCallback, PayWay};
    let spec = spec();
    let api = &spec.api("onebitpay").unwrap().value;
    let example = api
        .examples
        .iter()
        .find(|e| e.id == "create-order-request")
        .unwrap();
    let order: CreateOrderRequest =
        serde_json::from_str(example.corrected.as_deref().unwrap()).unwrap();
    assert_eq!(order.pay_way, PayWay::BankCard, "payWay \"1\" is code 1");
    assert_eq!(order.crypto_amount.to_string(), "10");

    let callback = api
        .examples
        .iter()
        .find(|e| e.id == "order-callback-request")
        .unwrap();
    let callback = OrderCallback::parse_unverified(callback.json.as_bytes()).unwrap();
    assert_eq!(
        callback.deal_amount.to_string(),
        "10.11",
        "a JSON number read exactly"
    );
}
