//! Deep merge of `providerKwargs` into a provider body: objects merge key by key, anything else
//! (arrays included) is replaced by the user's value.

use serde_json::{Map, Value};

pub fn deep_merge(target: &mut Map<String, Value>, overrides: &Map<String, Value>) {
    for (key, value) in overrides {
        match (target.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => deep_merge(existing, incoming),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_objects_merge_and_scalars_replace() {
        let mut target = json!({"a": 1, "nested": {"x": 1, "y": 2}, "list": [1]});
        let overrides = json!({"a": 2, "nested": {"y": 3, "z": 4}, "list": [9], "new": true});
        deep_merge(target.as_object_mut().unwrap(), overrides.as_object().unwrap());
        assert_eq!(target, json!({"a": 2, "nested": {"x": 1, "y": 3, "z": 4}, "list": [9], "new": true}));
    }
}
