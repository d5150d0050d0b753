//! `essaim token`: the partner networks' tokens (created and shown once, listed without the
//! token, revoked) and a new operator token for `/admin` with the hash to configure.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;

use super::table::render_table;
use super::TokenAction;
use essaim::clock::Clock;
use essaim::model::rfc3339;
use essaim::store::{Shared, Store};

/// `essaim token create|list|revoke`.
pub async fn token(
    store: Arc<Store>,
    action: TokenAction,
    clock: Clock,
) -> anyhow::Result<ExitCode> {
    let shared = Shared::new(store);
    let now = clock.now();
    match action {
        TokenAction::Create { network } => {
            let (token, row) = shared
                .run(move |s| s.create_partner_token(&network, now))
                .await?;
            println!(
                "token {} for network {:?}:\n\n  {token}\n",
                row.id, row.network
            );
            println!(
                "It is shown only this once: essaim keeps only its hash. Give it to the network; \
                 it registers feeds with `Authorization: Bearer <token>` (see README, \"Partners \
                 register their own feeds\"). `essaim token revoke {}` withdraws it.",
                row.id
            );
        }
        TokenAction::List => {
            let tokens = shared.run(|s| s.partner_tokens()).await?;
            if tokens.is_empty() {
                println!("no partner token yet (`essaim token create --network NAME`)");
                return Ok(ExitCode::SUCCESS);
            }
            let dash = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or("-".into(), rfc3339);
            let mut rows = vec![["ID", "NETWORK", "CREATED", "LAST USED", "REVOKED"]
                .map(String::from)
                .to_vec()];
            for t in tokens {
                rows.push(vec![
                    t.id.to_string(),
                    t.network,
                    rfc3339(t.created_at),
                    dash(t.last_used_at),
                    dash(t.revoked_at),
                ]);
            }
            print!("{}", render_table(&rows));
        }
        TokenAction::Revoke { id } => {
            if !shared.run(move |s| s.revoke_partner_token(id, now)).await? {
                bail!("there is no token {id}, or it was already revoked (`essaim token list`)");
            }
            println!("token {id} revoked: it is refused from now on");
        }
        TokenAction::Admin => admin()?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `essaim token admin`: a new operator token and the line that configures its hash.
pub fn admin() -> anyhow::Result<()> {
    let token = essaim::secret::new_admin_token().map_err(anyhow::Error::msg)?;
    let hash = essaim::secret::hash(&token);
    println!("operator token (shown only this once; essaim keeps only its hash):\n\n  {token}\n");
    println!(
        "Put this line in feeds.toml's [settings], then restart essaim (settings are read at start):\n\n  \
         admin_token_sha256 = \"{hash}\"\n\nor set ESSAIM_ADMIN_TOKEN_SHA256={hash} in its \
         environment. Sign in at /admin with the token."
    );
    Ok(())
}
