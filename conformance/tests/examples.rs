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

#[test]
fn every_documented_example_parses_or_is_a_tracked_erratum() {
    let spec = spec();
    let mut checked = 0;
    for loaded in &spec.apis {
        let api = &loaded.value;
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
            checked += 1;
        }
    }
    // 12 ```json blocks in the 1BitPay document plus the signObject of "Signature example".
    assert!(
        checked >= 13,
        "expected every 1BitPay example, checked {checked}"
    );
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
