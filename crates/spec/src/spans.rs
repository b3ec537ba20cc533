//! Line and column of every node of a YAML file, by field path.
//!
//! serde's YAML error carries only the first problem's position; this map lets every
//! diagnostic, structural or semantic, point at its line.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, Span, SpannedEventReceiver};

use crate::path::FieldPath;

/// Positions (1-based line, 1-based column) of the nodes of one YAML document.
#[derive(Debug, Default)]
pub struct SpanMap {
    positions: HashMap<FieldPath, (usize, usize)>,
}

impl SpanMap {
    pub fn build(text: &str) -> Self {
        let mut builder = Builder::default();
        // A syntax error is reported by the deserializer with its own position.
        let _ = Parser::new_from_str(text).load(&mut builder, false);
        SpanMap {
            positions: builder.positions,
        }
    }

    /// Position of the node, or of its nearest ancestor that has one.
    pub fn locate(&self, path: &FieldPath) -> (usize, usize) {
        let mut current = Some(path.clone());
        while let Some(candidate) = current {
            if let Some(position) = self.positions.get(&candidate) {
                return *position;
            }
            current = candidate.parent();
        }
        (1, 1)
    }
}

enum Frame {
    Mapping { key: Option<String> },
    Sequence { next: usize },
}

#[derive(Default)]
struct Builder {
    positions: HashMap<FieldPath, (usize, usize)>,
    stack: Vec<Frame>,
    path: FieldPath,
}

impl Builder {
    /// Path of the node that starts now, or `None` when the event is a mapping key.
    fn enter_node(&mut self, scalar_text: Option<&str>, span: Span) -> Option<FieldPath> {
        let position = (span.start.line(), span.start.col() + 1);
        match self.stack.last_mut() {
            None => Some(FieldPath::root()),
            Some(Frame::Sequence { next }) => {
                let path = self.path.index(*next);
                *next += 1;
                self.positions.entry(path.clone()).or_insert(position);
                Some(path)
            }
            Some(Frame::Mapping { key }) => match key.take() {
                Some(name) => Some(self.path.key(&name)),
                None => {
                    let name = scalar_text.unwrap_or_default().to_owned();
                    self.positions
                        .entry(self.path.key(&name))
                        .or_insert(position);
                    *key = Some(name);
                    None
                }
            },
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Builder {
    fn on_event(&mut self, event: Event<'input>, span: Span) {
        match event {
            Event::Scalar(text, ..) => {
                self.enter_node(Some(&text), span);
            }
            Event::Alias(_) => {
                self.enter_node(None, span);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if let Some(path) = self.enter_node(None, span) {
                    self.path = path;
                }
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Mapping { key: None },
                    _ => Frame::Sequence { next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                if !self.stack.is_empty() {
                    self.path.0.pop();
                }
                // The parent mapping's pending key is consumed by this node.
                if let Some(Frame::Mapping { key }) = self.stack.last_mut() {
                    *key = None;
                }
            }
            _ => {}
        }
    }
}
