//! One API of the spec with the schemes its endpoints and callbacks use, owned, so
//! the sandbox keeps no borrow of the caller's `Spec`.

use std::collections::BTreeMap;

use paysmith_spec::Spec;
use paysmith_spec::model::{ApiFile, Callback, EnumDef, ModelDef, SchemeFile};

use crate::error::SandboxError;

#[derive(Clone, Debug)]
pub(crate) struct ApiSpec {
    pub api: ApiFile,
    schemes: BTreeMap<String, SchemeFile>,
}

impl ApiSpec {
    /// The API `id` and every scheme it names; a named scheme missing from the spec is
    /// an error here rather than a refusal at the first request.
    pub fn from_spec(spec: &Spec, id: &str) -> Result<Self, SandboxError> {
        let api = spec
            .api(id)
            .ok_or_else(|| SandboxError::MissingApi(id.to_owned()))?
            .value
            .clone();
        let named = api
            .endpoints
            .iter()
            .flat_map(|e| {
                e.auth
                    .iter()
                    .chain(e.body_signature.iter().map(|b| &b.scheme))
            })
            .chain(
                api.callbacks
                    .iter()
                    .filter_map(|c| c.signature.as_ref().map(|s| &s.scheme)),
            );
        let mut schemes = BTreeMap::new();
        for scheme_id in named {
            let scheme = spec.scheme(scheme_id).ok_or_else(|| SandboxError::Spec {
                api: id.to_owned(),
                problem: format!("scheme `{scheme_id}` is not in the spec"),
            })?;
            schemes.insert(scheme_id.clone(), scheme.clone());
        }
        Ok(ApiSpec { api, schemes })
    }

    pub fn id(&self) -> &str {
        &self.api.id
    }

    pub fn scheme(&self, id: &str) -> Result<&SchemeFile, SandboxError> {
        self.schemes
            .get(id)
            .ok_or_else(|| self.problem(format!("scheme `{id}` is not loaded")))
    }

    pub fn model(&self, name: &str) -> Option<&ModelDef> {
        self.api.models.iter().find(|m| m.name == name)
    }

    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.api.enums.iter().find(|e| e.name == name)
    }

    pub fn callback(&self, id: &str) -> Result<&Callback, SandboxError> {
        self.api
            .callbacks
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| self.problem(format!("no callback `{id}`")))
    }

    pub fn problem(&self, problem: impl Into<String>) -> SandboxError {
        SandboxError::Spec {
            api: self.api.id.clone(),
            problem: problem.into(),
        }
    }
}
