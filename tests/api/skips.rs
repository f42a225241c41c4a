//! Tests that skipped for want of a tool, counted and summed up as the test binary's last
//! lines, so that a green `cargo test` on a bare machine says how much of the suite did not
//! run and what to install. Under `CI=true` nothing skips: each site fails instead.

use std::collections::BTreeMap;
use std::sync::{Mutex, Once};

/// What a skipped test was missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Missing {
    Postgres,
    Venv,
    Browser,
    Tmpfs,
    OidcProvider,
}

impl Missing {
    fn remedy(self) -> &'static str {
        match self {
            Missing::Postgres => {
                "no PostgreSQL server: apt-get install -y postgresql \
                 (or set IAM_GROUPS_TEST_POSTGRES_URL)"
            }
            Missing::Venv => {
                "no client virtualenv: python3 -m venv .venv && \
                 .venv/bin/pip install -r tests/requirements.txt (or set IAM_GROUPS_TEST_VENV)"
            }
            Missing::Browser => {
                "no browser: apt-get install -y chromium nodejs npm && (cd tests/console && npm ci)"
            }
            Missing::Tmpfs => "cannot mount a tmpfs: run as root",
            Missing::OidcProvider => {
                "no OpenID Connect provider: apt-get install -y nodejs npm && (cd tests/oidc && npm ci)"
            }
        }
    }
}

/// Skipped test names per cause. A test that skips twice (one per instance) counts once.
static SKIPPED: Mutex<BTreeMap<Missing, Vec<String>>> = Mutex::new(BTreeMap::new());
static AT_EXIT: Once = Once::new();

extern "C" {
    // The C library's exit hook: libtest ends the process with `exit` (or by returning
    // from main, which calls it), after its own summary, so ours comes last.
    fn atexit(hook: extern "C" fn()) -> std::ffi::c_int;
}

/// Notes that the running test is skipped for want of `missing`.
pub fn record(missing: Missing) {
    // libtest names each test's thread after the test; the body runs on it.
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    if let Ok(mut skipped) = SKIPPED.lock() {
        let names = skipped.entry(missing).or_default();
        if !names.contains(&test) {
            names.push(test);
        }
    }
    AT_EXIT.call_once(|| {
        // SAFETY: `summary` is a plain function that never unwinds across the C frame.
        unsafe {
            atexit(summary);
        }
    });
}

extern "C" fn summary() {
    // No panic may cross into C: a poisoned lock just means no summary.
    let Ok(skipped) = SKIPPED.lock() else {
        return;
    };
    let total: usize = skipped.values().map(Vec::len).sum();
    if total == 0 {
        return;
    }
    eprintln!("\n*** {total} tests SKIPPED, so this run is not the whole suite:");
    for (missing, names) in skipped.iter() {
        eprintln!("***   {:>4} {}", names.len(), missing.remedy());
    }
    eprintln!("*** tools/test-all installs what is missing and runs everything (see README).\n");
}
