//! HAR files (HTTP Archive 1.2, as browser dev tools and proxies such as mitmproxy, Fiddler and
//! Charles export them): the requests in one. `oauth1 verify`, the Xero scope planner and the
//! NetSuite call reader all read them through here.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The most entries a HAR file may hold: a day of a busy integration's traffic fits, and a
/// file of millions of tiny entries is refused before they are all in memory.
pub const MAX_ENTRIES: usize = 200_000;

/// Why a HAR file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HarError {
    /// It is not JSON.
    #[error("JSON error at line {line}, column {column}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// It is JSON, but not a HAR.
    #[error("it has no log.entries list")]
    NoEntries,
    /// It has more entries than [`MAX_ENTRIES`].
    #[error("it has more than {MAX_ENTRIES} entries")]
    TooManyEntries,
}

impl HarError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            HarError::Json { .. } => "export the HAR again from the browser's network panel or the proxy (Save all as HAR); a file cut short is not JSON",
            HarError::NoEntries => "this is JSON but not a HAR export: give the .har file the browser or proxy saved, or list the calls by hand",
            HarError::TooManyEntries => "export a shorter capture (one run of the integration is enough), or split the file",
        }
    }
}

/// A parsed HAR file: only the requests' method, URL, headers and body are kept, borrowed from
/// the text where JSON escapes allow; responses and everything else are skipped unread.
#[derive(Debug, Default)]
pub struct Har<'a> {
    entries: Vec<Entry<'a>>,
}

#[derive(Debug, Default, Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default)]
    request: Option<RawRequest<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRequest<'a> {
    #[serde(borrow, default)]
    method: Text<'a>,
    #[serde(borrow, default)]
    url: Text<'a>,
    #[serde(borrow, default)]
    headers: Headers<'a>,
    #[serde(borrow, default)]
    post_data: Option<PostData<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostData<'a> {
    #[serde(borrow, default)]
    text: Text<'a>,
    #[serde(borrow, default)]
    mime_type: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
struct Header<'a> {
    #[serde(borrow, default)]
    name: Text<'a>,
    #[serde(borrow, default)]
    value: Text<'a>,
}

/// A string where the HAR has one; anything else (a number, null, an object) is skipped.
#[derive(Debug, Default)]
struct Text<'a>(Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A request's headers: a list of `{name, value}`; anything else is no headers.
#[derive(Debug, Default)]
struct Headers<'a>(Vec<Header<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Headers<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of headers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(h) = a.next_element::<Lenient<Header<'de>>>()? {
                    out.extend(h.0);
                }
                Ok(Headers(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Headers::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Headers::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Headers::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Headers::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Headers::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Headers::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Headers::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// An object of type `T`, or nothing when the value is not an object.
struct Lenient<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(a)).map(|t| Lenient(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The top level: `log.entries`, capped at [`MAX_ENTRIES`] while it is read; every other
/// member is skipped.
struct Top<'a>(Option<Vec<Entry<'a>>>);

impl<'de: 'a, 'a> Deserialize<'de> for Top<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Log<'a> {
            #[serde(borrow, default)]
            entries: Option<Entries<'a>>,
        }
        let top = Lenient::<LogHolder<'de>>::deserialize(d)?;
        #[derive(Deserialize)]
        struct LogHolder<'a> {
            #[serde(borrow, default)]
            log: Option<Lenient<Log<'a>>>,
        }
        Ok(Top(top
            .0
            .and_then(|t| t.log)
            .and_then(|l| l.0)
            .and_then(|l| l.entries)
            .map(|e| e.0)))
    }
}

struct Entries<'a>(Vec<Entry<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of entries")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(e) = a.next_element::<Lenient<Entry<'de>>>()? {
                    if out.len() == MAX_ENTRIES {
                        return Err(de::Error::custom(TOO_MANY));
                    }
                    out.push(e.0.unwrap_or_default());
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_seq(V)
    }
}

const TOO_MANY: &str = "too many HAR entries";

/// One request of a HAR entry, borrowed from the parsed file.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The method, as written.
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// The headers, in order.
    pub headers: Vec<(&'a str, &'a str)>,
    /// `postData.text`, if any.
    pub body: Option<&'a str>,
    /// `postData.mimeType`, when not empty.
    pub body_type: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// The first header of this name (any case).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Parses a HAR file: a single pass that keeps only the requests (at most [`MAX_ENTRIES`]),
/// so memory is a small multiple of the requests' size, whatever the responses hold.
pub fn parse(json: &str) -> Result<Har<'_>, HarError> {
    let mut d = serde_json::Deserializer::from_str(json);
    let top = match Top::deserialize(&mut d).and_then(|t| d.end().map(|()| t)) {
        Ok(t) => t,
        Err(e) if e.to_string().starts_with(TOO_MANY) => return Err(HarError::TooManyEntries),
        Err(e) => {
            return Err(HarError::Json {
                line: e.line(),
                column: e.column(),
            })
        }
    };
    Ok(Har {
        entries: top.0.ok_or(HarError::NoEntries)?,
    })
}

/// The request of each entry of a parsed HAR file, in order, one at a time; `None` for an
/// entry without a method or a URL.
pub fn requests<'h>(har: &'h Har<'_>) -> impl Iterator<Item = Option<Request<'h>>> + 'h {
    har.entries.iter().map(|e| {
        let r = e.request.as_ref()?;
        Some(Request {
            method: r.method.get()?,
            url: r.url.get()?,
            headers: r
                .headers
                .0
                .iter()
                .filter_map(|h| Some((h.name.get()?, h.value.get()?)))
                .collect(),
            body: r.post_data.as_ref().and_then(|p| p.text.get()),
            body_type: r
                .post_data
                .as_ref()
                .and_then(|p| p.mime_type.get())
                .filter(|m| !m.is_empty()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_strings_are_read_and_responses_are_skipped() {
        let v = parse(
            r#"{"log": {"version": "1.2", "entries": [
            {"request": {"method": "POST", "url": "https://x/a\u0062", "headers": "none",
             "postData": {"text": "q=\"1\""}},
             "response": {"content": {"text": "{\"big\": [1, 2, 3]}"}}},
            5,
            {"request": {"method": 7, "url": "https://x/c"}}
        ]}, "extra": [1, {"a": null}]}"#,
        )
        .unwrap();
        let r: Vec<_> = requests(&v).collect();
        assert_eq!(r.len(), 3);
        let first = r[0].as_ref().unwrap();
        assert_eq!((first.url, first.body), ("https://x/ab", Some("q=\"1\"")));
        assert!(first.headers.is_empty());
        assert!(r[1].is_none() && r[2].is_none());
    }

    #[test]
    fn entries_past_the_cap_are_refused_while_reading() {
        let many = format!(
            r#"{{"log": {{"entries": [{}{{}}]}}}}"#,
            "{},".repeat(MAX_ENTRIES)
        );
        assert_eq!(parse(&many).unwrap_err(), HarError::TooManyEntries);
        let enough = format!(
            r#"{{"log": {{"entries": [{}{{}}]}}}}"#,
            "{},".repeat(MAX_ENTRIES - 1)
        );
        assert_eq!(requests(&parse(&enough).unwrap()).count(), MAX_ENTRIES);
    }

    #[test]
    fn entries_without_a_method_or_url_are_kept_as_none() {
        let v = parse(r#"{"log": {"entries": [
            {"request": {"method": "GET", "url": "https://x/y", "headers": [{"name": "Authorization", "value": "OAuth a=1"}, {"name": 5}]}},
            {"request": {"url": "https://x/z"}},
            {"request": {"method": "POST", "url": "https://x/f", "postData": {"mimeType": "", "text": "a=1"}}}
        ]}}"#).unwrap();
        let r: Vec<_> = requests(&v).collect();
        assert_eq!(r.len(), 3);
        let first = r[0].as_ref().unwrap();
        assert_eq!(first.header("authorization"), Some("OAuth a=1"));
        assert_eq!(first.headers.len(), 1);
        assert!(r[1].is_none());
        let third = r[2].as_ref().unwrap();
        assert_eq!((third.body, third.body_type), (Some("a=1"), None));
        assert_eq!(
            parse("{").unwrap_err(),
            HarError::Json { line: 1, column: 1 }
        );
        assert_eq!(parse("[]").unwrap_err(), HarError::NoEntries);
        assert_eq!(parse(r#"{"log": 5}"#).unwrap_err(), HarError::NoEntries);
        assert_eq!(
            parse(r#"{"log": {"entries": 5}}"#).unwrap_err(),
            HarError::Json {
                line: 1,
                column: 21
            }
        );
    }
}
