//! The signing vectors of `tests/fixtures/signing-vectors.json`, requests captured from the
//! vendors' real SDKs with the keys that signed them, for the signature modules' unit tests.

use serde_json::Value;

use crate::auth::signature::RequestParts;

// In the repository, so the tests pass in a fresh clone wherever it sits.
const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/signing-vectors.json"
);

/// One captured request.
#[derive(Clone)]
pub struct Vector {
    pub name: String,
    pub ak: String,
    pub sk: String,
    pub method: String,
    pub target: String,
    /// Wire case and order.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The canonical request the SDK built, where it was recorded.
    pub canonical: Option<String>,
    pub authorization: String,
}

/// The vectors whose name starts with one of `prefixes`.
pub fn load(prefixes: &[&str]) -> Vec<Vector> {
    let text = std::fs::read_to_string(VECTORS)
        .unwrap_or_else(|e| panic!("{VECTORS}: {e} (see tests/fixtures/README.md)"));
    let all: Value = serde_json::from_str(&text).expect("vectors are JSON");
    let s = |v: &Value| v.as_str().expect("a string").to_string();
    all["vectors"]
        .as_array()
        .expect("a vector list")
        .iter()
        .filter(|v| {
            let name = v["name"].as_str().expect("a name");
            prefixes.iter().any(|p| name.starts_with(p))
        })
        .map(|v| Vector {
            name: s(&v["name"]),
            ak: s(&v["ak"]),
            sk: s(&v["sk"]),
            method: s(&v["request"]["method"]),
            target: s(&v["request"]["target"]),
            headers: v["request"]["headers"]
                .as_array()
                .expect("headers")
                .iter()
                .map(|h| (s(&h[0]), s(&h[1])))
                .collect(),
            body: s(&v["request"]["body_text"]),
            canonical: v["sdk_internal"]["canonical_request"]
                .as_str()
                .map(str::to_string),
            authorization: s(&v["authorization"]),
        })
        .collect()
}

impl Vector {
    /// The request as the signature checks read it.
    pub fn parts(&self) -> RequestParts<'_> {
        let (path, query) = self.target.split_once('?').unwrap_or((&self.target, ""));
        RequestParts {
            method: &self.method,
            path,
            query,
            headers: self
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes()))
                .collect(),
            body: self.body.as_bytes(),
        }
    }
}

/// `text` with the byte at `i` changed to another printable character.
pub fn flip(text: &str, i: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
    String::from_utf8_lossy(&bytes).into_owned()
}
