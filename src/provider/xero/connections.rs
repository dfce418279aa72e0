//! Xero's connections: which organisations (tenants) a token may act for.
//! `GET /connections` lists them; `DELETE /connections/{id}` removes one (204; 404 if unknown).
//! Shapes from developer.xero.com/documentation/oauth2/auth-flow and Xero-OpenAPI's
//! `xero-identity.yaml`.

use crate::oauth2::http::HttpClient;
use crate::oauth2::Oauth2Error;

/// One connection: a tenant, in the shape Xero's `GET /connections` answers with.
pub use crate::tenants::Tenant as Connection;

/// Lists the connections the access token can see.
pub fn list(
    http: &HttpClient,
    api_base: &str,
    access_token: &str,
) -> Result<Vec<Connection>, Oauth2Error> {
    let url = format!("{api_base}/connections");
    let auth = format!("Bearer {access_token}");
    let r = http.get(
        &url,
        &[("authorization", &auth), ("accept", "application/json")],
    )?;
    if r.status != 200 {
        return Err(crate::provider::xero::PROVIDER.explain(Oauth2Error::Http {
            url: r.url.clone(),
            status: r.status,
            detail: r.error_detail(),
        }));
    }
    parse_list(&r.body).map_err(|message| Oauth2Error::BadResponse { url, message })
}

/// Parses a `GET /connections` body. Xero's connection and tenant ids are GUIDs; an answer
/// with any other id is refused whole, so what is stored, sent as a header and shown is never a
/// server's free text.
pub fn parse_list(body: &[u8]) -> Result<Vec<Connection>, String> {
    let list: Vec<Connection> =
        serde_json::from_slice(body).map_err(|e| format!("not a list of connections: {e}"))?;
    for (i, c) in list.iter().enumerate() {
        for (what, id) in [("id", &c.id), ("tenantId", &c.tenant_id)] {
            if !is_guid(id) {
                return Err(format!(
                    "connection {} has a {what} that is not a GUID: {:?}",
                    i + 1,
                    crate::text::term(&id.chars().take(80).collect::<String>())
                ));
            }
        }
    }
    Ok(list)
}

/// Whether `s` is a GUID as Xero writes them: 8-4-4-4-12 hexadecimal digits.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Removes a connection. Returns `false` when Xero does not know it (404).
pub fn delete(
    http: &HttpClient,
    api_base: &str,
    access_token: &str,
    connection_id: &str,
) -> Result<bool, Oauth2Error> {
    if !is_guid(connection_id) {
        return Err(Oauth2Error::Usage(format!(
            "{connection_id:?} is not a connection id (a GUID from `oauth1to2 tenants list`)"
        )));
    }
    let url = format!("{api_base}/connections/{connection_id}");
    let auth = format!("Bearer {access_token}");
    let r = http.send("DELETE", &url, &[("authorization", &auth)], None)?;
    match r.status {
        200 | 204 => Ok(true),
        404 => Ok(false),
        s => Err(crate::provider::xero::PROVIDER.explain(Oauth2Error::Http {
            url: r.url.clone(),
            status: s,
            detail: r.error_detail(),
        })),
    }
}

/// Picks the connection for a tenant id or an organisation name (case-insensitive).
pub fn find<'a>(connections: &'a [Connection], key: &str) -> Vec<&'a Connection> {
    let by_id: Vec<_> = connections
        .iter()
        .filter(|c| c.tenant_id.eq_ignore_ascii_case(key) || c.id.eq_ignore_ascii_case(key))
        .collect();
    if !by_id.is_empty() {
        return by_id;
    }
    connections
        .iter()
        .filter(|c| {
            c.tenant_name
                .as_deref()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(key.trim()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_that_is_not_a_guid_is_refused_whole() {
        let good = r#"[{"id":"1c8a3f0e-7d0b-4d53-9d43-1e6c7f0a0001","tenantId":"70784a63-d24b-46a9-a4db-0e70a274b056"}]"#;
        assert_eq!(parse_list(good.as_bytes()).unwrap().len(), 1);
        for bad in [
            r"70784a63-d24b-46a9-a4db-0e70a274b056\u001b]0;pwned\u0007",
            "x; rm -rf ~",
            "70784a63d24b46a9a4db0e70a274b056",
            "",
        ] {
            let body =
                format!(r#"[{{"id":"1c8a3f0e-7d0b-4d53-9d43-1e6c7f0a0001","tenantId":"{bad}"}}]"#);
            let e = parse_list(body.as_bytes()).unwrap_err();
            assert!(e.contains("tenantId that is not a GUID"), "{e}");
            assert!(!e.contains('\u{1b}'), "{e}");
        }
    }

    #[test]
    fn reads_xeros_documented_shape() {
        // The example response in developer.xero.com/documentation/oauth2/auth-flow.
        let body = br#"[{"id":"e1eede29-f875-4a5d-8470-17f6a29a88b1","authEventId":"d99ecdfe-391d-43d2-b834-17636ba90e8d","tenantId":"70784a63-d24b-46a9-a4db-0e70a274b056","tenantType":"ORGANISATION","tenantName":"Maple Florist","createdDateUtc":"2019-07-09T23:40:30.1833130","updatedDateUtc":"2020-05-15T01:35:13.8491980"}]"#;
        let c = parse_list(body).unwrap();
        assert_eq!(c[0].tenant_id, "70784a63-d24b-46a9-a4db-0e70a274b056");
        assert_eq!(c[0].tenant_name.as_deref(), Some("Maple Florist"));
        assert_eq!(find(&c, "maple florist").len(), 1);
        assert_eq!(find(&c, "70784A63-D24B-46A9-A4DB-0E70A274B056").len(), 1);
        assert!(find(&c, "Other Org").is_empty());
    }
}
