//! `Client::confirm_<callback>`: reads the resource an unsigned notification talks
//! about through the signed API and compares the two.

use paysmith_spec::model::{Callback, Confirm, ConfirmBy};
use paysmith_spec::names::snake_case;
use paysmith_spec::types::TypeRef;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::{Context, doc, ident, type_tokens};

pub fn method(ctx: &Context, callback: &Callback, confirm: &Confirm) -> TokenStream {
    let endpoint = ctx
        .api
        .endpoints
        .iter()
        .find(|e| e.id == confirm.endpoint)
        .expect("validated: the confirm endpoint exists");
    let operation = format!("confirm_{}", callback.id);
    let name = ident(&operation);
    let payload = ident(&callback.payload);
    let call = ident(&endpoint.id);
    let payload_resource = confirm.payload_resource.as_str();
    let response = TypeRef::parse(endpoint.response.as_deref().expect("validated: a response"))
        .expect("validated response type");
    let resource_type = match &response {
        TypeRef::List(inner) => type_tokens(inner),
        other => type_tokens(other),
    };
    let (how, find) = match &confirm.by {
        ConfirmBy::PathParams(params) => {
            let lets = endpoint.path_params.iter().map(|p| {
                let arg = format_ident!("{}", snake_case(&p.name));
                let pointer = params[&p.name].as_str();
                quote!(let #arg = ::paysmith_runtime::confirm::text_at(#operation, &payload, #pointer)?;)
            });
            let args = endpoint
                .path_params
                .iter()
                .map(|p| format_ident!("{}", snake_case(&p.name)));
            (
                format!("reads it with `{}`", endpoint.id),
                quote! {
                    #(#lets)*
                    let resource = Some(self.#call(#(&#args),*).await?);
                },
            )
        }
        ConfirmBy::SearchPages {
            page_field,
            payload_key,
            resource_key,
            max_pages,
        } => {
            let request = ident(endpoint.request.as_deref().expect("validated: a request"));
            (
                format!(
                    "searches `{}` page by page (at most {max_pages} pages) for the resource \
                     whose `{resource_key}` matches the notification's `{payload_key}`",
                    endpoint.id
                ),
                quote! {
                    let wanted = ::paysmith_runtime::confirm::at(#operation, &payload, #payload_key)?.clone();
                    let resource = ::paysmith_runtime::confirm::search_pages(#operation, #max_pages, &wanted, #resource_key, |page| async move {
                        let request: #request = ::paysmith_runtime::confirm::page_request(#operation, #page_field, page)?;
                        self.#call(&request).await
                    })
                    .await?;
                },
            )
        }
    };
    let copy = if payload_resource.is_empty() {
        "the whole notification".to_owned()
    } else {
        format!("`{payload_resource}`")
    };
    let volatile = confirm.volatile.iter().map(String::as_str);
    let left_out = if confirm.volatile.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = confirm.volatile.iter().map(|p| format!("`{p}`")).collect();
        format!(
            " Left out, as they change between reads by nature: {}.",
            list.join(", ")
        )
    };
    let text = doc(&format!(
        "Confirms an unsigned `{}` notification (the provider does not sign it): {how}, \
         then compares it with the notification's copy ({copy}).{left_out} Act on the \
         notification only when [`Confirmation::is_confirmed`]; the resource read back is \
         the authority on the current state.",
        callback.id
    ));
    quote! {
        #text
        pub async fn #name(&self, notification: &#payload) -> Result<Confirmation<#resource_type>, Error> {
            let payload = ::paysmith_runtime::confirm::to_json(#operation, notification)?;
            #find
            ::paysmith_runtime::confirm::compare(#operation, resource, &payload, #payload_resource, &[#(#volatile),*])
        }
    }
}
