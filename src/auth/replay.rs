//! One use per signature: an AK/SK signature is a bearer credential for as long as it is
//! valid (15 minutes around Huawei's `X-Sdk-Date`, Baidu's `expirationPeriodInSeconds`), so
//! the first request to present it uses it up, for every method. The one allowance is a
//! short grace after that first use (`signing.replay_grace_ms`): the SDKs sign to the
//! second and add no nonce, so a client sending the same call twice at once (the Baidu SDK
//! adding a member twice, asking for a third key to see it refused) sends the same bytes,
//! and must get the same treatment as the first. A captured request can be re-sent only
//! within that grace of the original, not for the signature's whole window. Uses are
//! recorded in the database (`db::signature_uses`), shared by every instance.

use std::sync::atomic::{AtomicI64, Ordering};

use sha2::{Digest, Sha256};

use crate::db::signature_uses::{self, Use};
use crate::db::DbConn;
use crate::error::ApiError;

/// How often expired uses are pruned, at most, per instance.
const PRUNE_EVERY_MS: i64 = 60_000;

/// One signed request, as far as the replay rule cares.
#[derive(Debug, Clone, Copy)]
pub struct SignatureUse<'a> {
    /// `SDK-HMAC-SHA256`, `bce-auth-v1`...
    pub scheme: &'a str,
    pub access: &'a str,
    /// The signature's bytes.
    pub signature: &'a [u8],
    /// When the signature stops being valid anyway.
    pub expires_at_ms: i64,
}

/// The replay rule of one service.
#[derive(Debug)]
pub struct ReplayGuard {
    grace_ms: i64,
    last_prune_ms: AtomicI64,
}

impl ReplayGuard {
    /// `grace_ms`: how long after its first use the same signature is still taken.
    pub fn new(grace_ms: u64) -> ReplayGuard {
        ReplayGuard {
            grace_ms: i64::try_from(grace_ms).unwrap_or(i64::MAX),
            last_prune_ms: AtomicI64::new(0),
        }
    }

    /// Records a use of a signature, valid until `expires_at_ms`; a 401 if it was used
    /// before, longer ago than the grace. Called once the signature has verified, so only a
    /// key's holder can add rows.
    pub fn record_use(
        &self,
        conn: &mut DbConn,
        used: &SignatureUse<'_>,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let last = self.last_prune_ms.load(Ordering::Relaxed);
        if now_ms - last >= PRUNE_EVERY_MS
            && self
                .last_prune_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            signature_uses::prune_expired(conn, now_ms)?;
        }
        let mut hash = Sha256::new();
        for part in [
            used.scheme.as_bytes(),
            used.access.as_bytes(),
            used.signature,
        ] {
            // Length-prefixed, so no two different triples hash the same bytes.
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        let hash = hex::encode(hash.finalize());
        let reusable_until = now_ms.saturating_add(self.grace_ms);
        match signature_uses::record_use(conn, &hash, reusable_until, used.expires_at_ms, now_ms)? {
            Use::First | Use::Repeat => Ok(()),
            Use::Replay => Err(ApiError::unauthorized(format!(
                "signature of access key {} was already used (a replay)",
                used.access
            ))),
        }
    }
}
