//! The Entra ID token endpoint: OAuth2 client credentials, `/{tenant}/oauth2/v2.0/token`.

use serde_json::json;

use super::world::Reply;

/// Who may have a token, and for which scope.
pub struct Identity {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// The only scope granted: `{endpoint}/.default`.
    pub scope: String,
}

/// Answers a token request (`tenant` from the path, `form` the urlencoded body); a granted
/// token is pushed onto `issued`.
pub fn answer(identity: &Identity, tenant: &str, form: &[u8], issued: &mut Vec<String>) -> Reply {
    let fields = parse_form(form);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let refuse = |status: u16, error: &str, code: u32, description: &str| {
        Reply::json(
            status,
            json!({
                "error": error,
                "error_description": format!("AADSTS{code}: {description}"),
                "error_codes": [code],
            }),
        )
    };
    if tenant != identity.tenant_id {
        return refuse(
            400,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if field("grant_type") != "client_credentials" {
        return refuse(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if field("client_id") != identity.client_id {
        return refuse(
            400,
            "unauthorized_client",
            700016,
            "Application not found in the directory.",
        );
    }
    if field("client_secret") != identity.client_secret {
        return refuse(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided.",
        );
    }
    if field("scope") != identity.scope {
        return refuse(
            400,
            "invalid_scope",
            70011,
            "The provided value for scope is not valid.",
        );
    }
    let token = format!(
        "standin-token-{}-{}",
        issued.len() + 1,
        uuid::Uuid::new_v4().simple()
    );
    issued.push(token.clone());
    Reply::json(
        200,
        json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }),
    )
}

/// `application/x-www-form-urlencoded` pairs.
fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
