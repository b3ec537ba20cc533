//! Confirming an unsigned notification: read the resource it talks about through the
//! signed API and compare the two.
//!
//! A notification nobody signed proves nothing; the resource read back over an
//! authenticated request does. Values are compared by meaning where the wire form may
//! differ: `"0.50"`, `0.5` and `"0.5"` are the same amount.

use std::future::Future;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// What the signed API says about a notification's resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirmation<T> {
    /// The resource as the API returns it now; `None` when it could not be found.
    pub resource: Option<T>,
    /// Fields of the notification whose value differs from the resource's.
    pub differences: Vec<Difference>,
}

impl<T> Confirmation<T> {
    /// The resource exists and agrees with every field the notification states.
    pub fn is_confirmed(&self) -> bool {
        self.resource.is_some() && self.differences.is_empty()
    }
}

/// One field whose value differs between the notification and the resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The field, as a JSON pointer inside the resource.
    pub field: String,
    pub in_notification: Value,
    pub in_resource: Value,
}

fn build(operation: &'static str, message: String) -> Error {
    Error::new(operation, ErrorKind::Build(message))
}

/// A payload as JSON, for pointers into it.
pub fn to_json<T: Serialize>(operation: &'static str, value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| build(operation, e.to_string()))
}

/// The value at `pointer`, or an error naming the pointer.
pub fn at<'a>(
    operation: &'static str,
    value: &'a Value,
    pointer: &str,
) -> Result<&'a Value, Error> {
    value.pointer(pointer).ok_or_else(|| {
        build(
            operation,
            format!("the notification has nothing at `{pointer}`"),
        )
    })
}

/// The text at `pointer` (a string, or a number's JSON text), for a path parameter.
pub fn text_at(operation: &'static str, value: &Value, pointer: &str) -> Result<String, Error> {
    match at(operation, value, pointer)? {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        other => Err(build(
            operation,
            format!("the notification's `{pointer}` is not text: {other}"),
        )),
    }
}

/// A request model holding only `page_field = page`.
pub fn page_request<R: DeserializeOwned>(
    operation: &'static str,
    page_field: &str,
    page: u32,
) -> Result<R, Error> {
    let mut object = serde_json::Map::new();
    object.insert(page_field.to_owned(), Value::from(page));
    serde_json::from_value(Value::Object(object)).map_err(|e| build(operation, e.to_string()))
}

/// Reads pages 1, 2, … (at most `max_pages`, stopping at an empty page) and returns
/// the first resource whose value at `resource_key` matches `wanted`.
pub async fn search_pages<T, F, Fut>(
    operation: &'static str,
    max_pages: u32,
    wanted: &Value,
    resource_key: &str,
    mut fetch: F,
) -> Result<Option<T>, Error>
where
    T: Serialize,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Vec<T>, Error>>,
{
    for page in 1..=max_pages {
        let items = fetch(page).await?;
        if items.is_empty() {
            break;
        }
        for item in items {
            let json = to_json(operation, &item)?;
            if json
                .pointer(resource_key)
                .is_some_and(|found| matches(wanted, found))
            {
                return Ok(Some(item));
            }
        }
    }
    Ok(None)
}

/// Compares the notification's copy of the resource (at `payload_resource`) with the
/// resource read back, field by field; fields the resource lacks are not compared, nor
/// the `volatile` ones (JSON pointers into the resource, `*` for every element), which
/// change between reads by nature.
pub fn compare<T: Serialize>(
    operation: &'static str,
    resource: Option<T>,
    payload: &Value,
    payload_resource: &str,
    volatile: &[&str],
) -> Result<Confirmation<T>, Error> {
    let mut stated = at(operation, payload, payload_resource)?.clone();
    let mut differences = Vec::new();
    if let Some(resource) = &resource {
        let mut actual = to_json(operation, resource)?;
        for pointer in volatile {
            remove_at(&mut stated, pointer);
            remove_at(&mut actual, pointer);
        }
        if let (Value::Object(stated), Value::Object(actual)) = (&stated, &actual) {
            for (key, value) in stated {
                if let Some(other) = actual.get(key)
                    && !same(value, other)
                {
                    differences.push(Difference {
                        field: format!("/{key}"),
                        in_notification: value.clone(),
                        in_resource: other.clone(),
                    });
                }
            }
        } else if !same(&stated, &actual) {
            differences.push(Difference {
                field: String::new(),
                in_notification: stated,
                in_resource: actual,
            });
        }
    }
    Ok(Confirmation {
        resource,
        differences,
    })
}

/// Removes what `pointer` names from `value`; a `*` segment names every element of an
/// array or object. Nothing happens where the pointer leads nowhere.
fn remove_at(value: &mut Value, pointer: &str) {
    let Some(path) = pointer.strip_prefix('/') else {
        return;
    };
    let segments: Vec<String> = path
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    remove_segments(value, &segments);
}

fn remove_segments(value: &mut Value, segments: &[String]) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    if rest.is_empty() {
        match value {
            Value::Object(map) => {
                map.shift_remove(first.as_str());
            }
            Value::Array(items) if first == "*" => items.clear(),
            _ => {}
        }
        return;
    }
    match (value, first.as_str()) {
        (Value::Array(items), "*") => items
            .iter_mut()
            .for_each(|item| remove_segments(item, rest)),
        (Value::Object(map), "*") => map
            .values_mut()
            .for_each(|item| remove_segments(item, rest)),
        (Value::Object(map), key) => {
            if let Some(item) = map.get_mut(key) {
                remove_segments(item, rest);
            }
        }
        (Value::Array(items), index) => {
            if let Some(item) = index.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                remove_segments(item, rest);
            }
        }
        _ => {}
    }
}

/// Two arrays match when they share an element; other values when they are the same.
fn matches(wanted: &Value, found: &Value) -> bool {
    match (wanted, found) {
        (Value::Array(a), Value::Array(b)) => a.iter().any(|x| b.iter().any(|y| same(x, y))),
        (a, b) => same(a, b),
    }
}

/// Equality by meaning: numbers and numeric strings as exact decimals; objects on the
/// keys of `a` that `b` also has; arrays element by element.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(key, value)| b.get(key).is_none_or(|other| same(value, other))),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (a, b) if a == b => true,
        (a, b) => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

fn decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn amounts_compare_by_value_and_differences_are_named() {
        let payload = json!({"event": {"data": {"fiat_price": 42.0, "payments": [{"value": "0.50"}], "x": 1}}});
        let resource = json!({"fiat_price": "42", "payments": [{"value": 0.5}]});
        let confirmation = compare("op", Some(resource), &payload, "/event/data", &[]).unwrap();
        assert!(confirmation.is_confirmed(), "{confirmation:?}");

        let resource = json!({"fiat_price": "41.99", "payments": [{"value": 0.5}]});
        let confirmation = compare("op", Some(resource), &payload, "/event/data", &[]).unwrap();
        assert!(!confirmation.is_confirmed());
        assert_eq!(confirmation.differences.len(), 1);
        assert_eq!(confirmation.differences[0].field, "/fiat_price");

        let missing = compare::<Value>("op", None, &payload, "/event/data", &[]).unwrap();
        assert!(!missing.is_confirmed());
        assert!(compare::<Value>("op", None, &payload, "/nope", &[]).is_err());
    }

    #[test]
    fn volatile_fields_are_left_out_and_nothing_else() {
        let payload = json!({"id": "A", "status": "paid", "currentTime": 1000,
            "transactions": [{"amount": 5, "confirmations": 0}]});
        let later = json!({"id": "A", "status": "paid", "currentTime": 9000,
            "transactions": [{"amount": 5, "confirmations": 3}]});
        let volatile = ["/currentTime", "/transactions/*/confirmations"];
        let strict = compare("op", Some(later.clone()), &payload, "", &[]).unwrap();
        let fields: Vec<_> = strict
            .differences
            .iter()
            .map(|d| d.field.as_str())
            .collect();
        assert_eq!(fields, ["/currentTime", "/transactions"]);
        let lenient = compare("op", Some(later.clone()), &payload, "", &volatile).unwrap();
        assert!(lenient.is_confirmed(), "{lenient:?}");
        assert_eq!(
            lenient.resource,
            Some(later.clone()),
            "the resource is kept whole"
        );

        let mut forged = later.clone();
        forged["transactions"][0]["amount"] = json!(50);
        forged["status"] = json!("complete");
        let refuted = compare("op", Some(forged), &payload, "", &volatile).unwrap();
        let fields: Vec<_> = refuted
            .differences
            .iter()
            .map(|d| d.field.as_str())
            .collect();
        assert_eq!(fields, ["/status", "/transactions"]);
    }

    #[test]
    fn pages_are_searched_until_a_match_or_an_empty_page() {
        let pages = [
            vec![json!({"addresses": [{"address": "a"}]})],
            vec![json!({"addresses": [{"address": "b"}, {"address": "c"}]})],
            vec![],
        ];
        let wanted = json!([{"address": "c"}]);
        let found = block_on(search_pages("op", 10, &wanted, "/addresses", |page| {
            let items = pages[(page - 1) as usize].clone();
            async move { Ok(items) }
        }))
        .unwrap();
        assert_eq!(found, Some(pages[1][0].clone()));

        let mut calls = 0;
        let none = block_on(search_pages(
            "op",
            10,
            &json!([{"address": "z"}]),
            "/addresses",
            |page| {
                calls += 1;
                let items = pages[(page - 1) as usize].clone();
                async move { Ok(items) }
            },
        ))
        .unwrap();
        assert_eq!(none, None::<Value>);
        assert_eq!(calls, 3, "stops at the first empty page");
    }

    #[test]
    fn pointers_and_page_requests_name_what_is_wrong() {
        let payload = json!({"data": {"id": 12}});
        assert_eq!(text_at("op", &payload, "/data/id").unwrap(), "12");
        let error = text_at("op", &payload, "/data/guid").unwrap_err();
        assert!(error.to_string().contains("/data/guid"), "{error}");
        #[derive(serde::Deserialize)]
        struct Query {
            page: Option<u32>,
        }
        let query: Query = page_request("op", "page", 3).unwrap();
        assert_eq!(query.page, Some(3));
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }
}
