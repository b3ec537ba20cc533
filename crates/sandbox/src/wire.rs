//! Decimals as JSON numbers, for providers that write them so (BitPay's answers and
//! notifications: `"price": 10`, `"rate": 41248.11`). The generated models write a
//! decimal as a string; the spec's field types say which values are decimals, so the
//! JSON a model serialises to is rewritten field by field, every digit kept.

use std::collections::BTreeMap;
use std::str::FromStr;

use paysmith_spec::types::TypeRef;
use serde_json::{Number, Value};

use crate::api_spec::ApiSpec;

/// The field types of every model of an API.
#[derive(Clone, Debug, Default)]
pub(crate) struct DecimalNumbers(BTreeMap<String, Vec<(String, TypeRef)>>);

impl DecimalNumbers {
    pub fn of(api: &ApiSpec) -> Self {
        let models = api
            .api
            .models
            .iter()
            .map(|model| {
                let fields = model
                    .fields
                    .iter()
                    .filter_map(|f| Some((f.name.clone(), TypeRef::parse(&f.ty).ok()?)))
                    .collect();
                (model.name.clone(), fields)
            })
            .collect();
        DecimalNumbers(models)
    }

    /// Rewrites the decimals of `value`, a `ty` as JSON, into numbers.
    pub fn apply(&self, ty: &TypeRef, value: &mut Value) {
        match (ty, value) {
            (TypeRef::Decimal, value @ Value::String(_)) => {
                if let Some(number) = value.as_str().and_then(|s| Number::from_str(s).ok()) {
                    *value = Value::Number(number);
                }
            }
            (TypeRef::List(inner), Value::Array(items)) => {
                for item in items {
                    self.apply(inner, item);
                }
            }
            (TypeRef::Map(inner), Value::Object(entries)) => {
                for entry in entries.values_mut() {
                    self.apply(inner, entry);
                }
            }
            (TypeRef::Named(name), Value::Object(object)) => {
                for (field, field_ty) in self.0.get(name).into_iter().flatten() {
                    if let Some(value) = object.get_mut(field) {
                        self.apply(field_ty, value);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn numbers() -> DecimalNumbers {
        let field = |name: &str, ty: &str| (name.to_owned(), TypeRef::parse(ty).unwrap());
        DecimalNumbers(BTreeMap::from([
            (
                "Invoice".to_owned(),
                vec![
                    field("price", "decimal"),
                    field("shown", "string"),
                    field("totals", "map<decimal>"),
                    field("lines", "list<Line>"),
                ],
            ),
            ("Line".to_owned(), vec![field("amount", "decimal")]),
        ]))
    }

    #[test]
    fn decimal_fields_become_exact_numbers_and_others_stay() {
        let mut value = json!({
            "price": "10.50",
            "shown": "10.50",
            "totals": {"PAX": "10000000000000000000"},
            "lines": [{"amount": "0.000298"}],
            "other": "1"
        });
        numbers().apply(&TypeRef::parse("Invoice").unwrap(), &mut value);
        assert_eq!(
            value.to_string(),
            r#"{"price":10.50,"shown":"10.50","totals":{"PAX":10000000000000000000},"lines":[{"amount":0.000298}],"other":"1"}"#
        );
        let mut list = json!([{"price": "1"}]);
        numbers().apply(&TypeRef::parse("list<Invoice>").unwrap(), &mut list);
        assert_eq!(list, json!([{"price": 1}]));
    }
}
