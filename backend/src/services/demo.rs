//! The demo data behind `FAPAI_DEMO=1`: filled in below.

use crate::error::ApiResult;
use crate::state::AppState;

pub async fn seed(_state: &AppState) -> ApiResult<()> {
    Ok(())
}
