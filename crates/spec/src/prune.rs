//! Recovering the sound part of a file with structural problems, so that the semantic
//! checks still run on it and every problem is reported in one run.
//!
//! The nodes the JSON Schema flagged are cut from the document; whatever the model then
//! still refuses (a struct that lost a required field) is cut in turn, up to the nearest
//! node that can go. Cutting a list element shifts the elements after it, so every cut
//! is recorded and paths are translated back to the file's own coordinates.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::path::{FieldPath, Segment};

/// The nodes cut from one file's document.
#[derive(Clone, Debug, Default)]
pub struct Pruned {
    /// Cut nodes, in order, each in the coordinates of the document at that moment.
    cuts: Vec<FieldPath>,
    /// `name` or `id` of every cut list element (a model, an enum, an endpoint …), so
    /// references to it are not reported again as unknown.
    pub names: BTreeSet<String>,
}

impl Pruned {
    /// Whether nothing was cut.
    pub fn is_empty(&self) -> bool {
        self.cuts.is_empty()
    }

    /// The path in the file of a node of the pruned document.
    pub fn to_original(&self, current: &FieldPath) -> FieldPath {
        let mut path = current.clone();
        for cut in self.cuts.iter().rev() {
            if let Some((list, index)) = split_index(cut)
                && let Some(Segment::Index(at)) = path.0.get(list.0.len())
                && path.0.starts_with(&list.0)
                && *at >= index
            {
                path.0[list.0.len()] = Segment::Index(at + 1);
            }
        }
        path
    }

    /// The path in the pruned document of a node of the file, or `None` if it was cut.
    fn to_current(&self, original: &FieldPath) -> Option<FieldPath> {
        let mut path = original.clone();
        for cut in &self.cuts {
            if path.0.starts_with(&cut.0) {
                return None;
            }
            if let Some((list, index)) = split_index(cut)
                && let Some(Segment::Index(at)) = path.0.get(list.0.len())
                && path.0.starts_with(&list.0)
                && *at > index
            {
                path.0[list.0.len()] = Segment::Index(at - 1);
            }
        }
        Some(path)
    }

    /// Cuts the node at `current`; `false` when it is the root (nothing is left).
    fn cut(&mut self, document: &mut Value, current: &FieldPath) -> bool {
        let Some(parent) = current.parent() else {
            return false;
        };
        let Some(container) = node_mut(document, &parent) else {
            return true;
        };
        let removed = match (container, current.0.last()) {
            (Value::Object(map), Some(Segment::Key(key))) => map.remove(key),
            (Value::Array(items), Some(Segment::Index(index))) if *index < items.len() => {
                Some(items.remove(*index))
            }
            // A numeric key of a map reads as an index in a path.
            (Value::Object(map), Some(Segment::Index(index))) => map.remove(&index.to_string()),
            _ => None,
        };
        if let Some(removed) = removed {
            if matches!(current.0.last(), Some(Segment::Index(_)))
                && let Some(name) = ["name", "id"]
                    .iter()
                    .find_map(|key| removed.get(*key).and_then(Value::as_str))
            {
                self.names.insert(name.to_owned());
            }
            self.cuts.push(current.clone());
        }
        true
    }
}

/// The cut list and index when `path` ends at a list element.
fn split_index(path: &FieldPath) -> Option<(FieldPath, usize)> {
    match path.0.last() {
        Some(Segment::Index(index)) => path.parent().map(|list| (list, *index)),
        _ => None,
    }
}

fn node_mut<'a>(document: &'a mut Value, path: &FieldPath) -> Option<&'a mut Value> {
    path.0
        .iter()
        .try_fold(document, |node, segment| match (node, segment) {
            (Value::Object(map), Segment::Key(key)) => map.get_mut(key),
            (Value::Object(map), Segment::Index(index)) => map.get_mut(&index.to_string()),
            (Value::Array(items), Segment::Index(index)) => items.get_mut(*index),
            _ => None,
        })
}

/// Cuts every node of `flagged` (paths in the file), then whatever `T` still refuses,
/// and deserializes the rest; `None` when the root itself had to go.
pub(crate) fn recover<T: DeserializeOwned>(
    document: Value,
    flagged: &[FieldPath],
) -> Option<(T, Pruned)> {
    recover_with(document, flagged, |_, _| {})
}

/// [`recover`], telling `refused` where (in the file) and why `T` refused each node it
/// cut after the flagged ones.
pub(crate) fn recover_with<T: DeserializeOwned>(
    mut document: Value,
    flagged: &[FieldPath],
    mut refused: impl FnMut(&FieldPath, String),
) -> Option<(T, Pruned)> {
    let mut pruned = Pruned::default();
    for original in flagged {
        if let Some(current) = pruned.to_current(original)
            && !pruned.cut(&mut document, &current)
        {
            return None;
        }
    }
    // Each round cuts one node, so this ends; the bound guards against a model that
    // keeps refusing the same node.
    for _ in 0..=count_nodes(&document) {
        match serde_path_to_error::deserialize::<_, T>(&document) {
            Ok(value) => return Some((value, pruned)),
            Err(error) => {
                let at = serde_path(error.path());
                refused(&pruned.to_original(&at), error.into_inner().to_string());
                if !pruned.cut(&mut document, &at) {
                    return None;
                }
            }
        }
    }
    None
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Object(map) => map.values().map(count_nodes).sum(),
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        _ => 0,
    }
}

/// A serde error path as a field path (enum markers carry no node).
pub(crate) fn serde_path(path: &serde_path_to_error::Path) -> FieldPath {
    let mut out = FieldPath::root();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out = out.index(*index),
            serde_path_to_error::Segment::Map { key } => out = out.key(key),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct File {
        id: String,
        models: Vec<Model>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Model {
        name: String,
        size: u32,
    }

    fn path(pointer: &str) -> FieldPath {
        FieldPath::from_pointer(pointer)
    }

    #[test]
    fn cut_elements_are_named_and_paths_map_back() {
        let document = json!({"id": "f", "models": [
            {"name": "A", "size": 1},
            {"name": "B", "size": "big"},
            {"name": "C", "size": 3},
            {"name": "D", "size": 4, "colour": "red"},
        ]});
        let (file, pruned) = recover::<File>(
            document,
            &[path("/models/1/size"), path("/models/3/colour")],
        )
        .unwrap();
        // B lost a required field and went; D only lost the unknown key.
        let names: Vec<&str> = file.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["A", "C", "D"]);
        assert!(pruned.names.contains("B"));
        assert!(!pruned.names.contains("D"));
        assert_eq!(
            pruned.to_original(&path("/models/1/size")),
            path("/models/2/size")
        );
        assert_eq!(pruned.to_original(&path("/models/2")), path("/models/3"));
        assert_eq!(pruned.to_original(&path("/models/0")), path("/models/0"));
    }

    #[test]
    fn later_flags_are_moved_past_earlier_cuts_and_dropped_inside_them() {
        let document = json!({"id": "f", "models": [
            {"name": "A", "size": "x"},
            {"name": "B", "size": "y"},
            {"name": "C", "size": 3},
        ]});
        let (file, pruned) = recover::<File>(
            document,
            &[path("/models/0"), path("/models/0/size"), path("/models/1")],
        )
        .unwrap();
        assert_eq!(
            file.models,
            [Model {
                name: "C".into(),
                size: 3
            }]
        );
        assert_eq!(pruned.to_original(&path("/models/0")), path("/models/2"));
    }

    #[test]
    fn nothing_is_recovered_when_the_root_must_go() {
        let document = json!({"id": 7, "models": []});
        assert!(recover::<File>(document, &[path("/id")]).is_none());
    }
}
