//! Headless calling, for admins diagnosing a PBX and for tests: `register`. Every state change
//! is one JSON line on stdout (whatever `--json` says); logs go to stderr. The SIP password
//! comes from standard input or the keychain and is never printed.

use crate::args::SipAccountArgs;
use leadline_core::sip::{Account, Password, RegEvent, Registrar, SipError};
use leadline_core::{CoreError, Handle};
use std::io::Write;
use tokio_util::sync::CancellationToken;

/// One JSON line on stdout, flushed at once (a test or a script reads it as it happens).
pub fn emit<T: serde::Serialize>(event: &T) {
    if let Ok(text) = serde_json::to_string(event) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

/// The account from the flags, or the signed-in agent's.
fn account(handle: &Handle, args: &SipAccountArgs) -> Result<Account, CoreError> {
    let Some(ws_url) = &args.ws_url else {
        let (mut account, _) = handle.sip_account()?;
        account.ca_cert = args.ca_cert.clone();
        account.expires = args.expires;
        return Ok(account);
    };
    let required = |value: &Option<String>, flag: &str| {
        value
            .clone()
            .ok_or_else(|| SipError::InvalidAccount(format!("--ws-url needs {flag}")))
    };
    Ok(Account {
        ws_url: ws_url.clone(),
        username: required(&args.username, "--username")?,
        domain: required(&args.domain, "--domain")?,
        auth_username: args.auth_username.clone(),
        display_name: args.display_name.clone(),
        password: Password::new(crate::read_password()?),
        ca_cert: args.ca_cert.clone(),
        expires: args.expires,
    })
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id())
}

/// `leadline register [--once]`.
pub fn register(handle: &Handle, args: &SipAccountArgs, once: bool) -> Result<(), CoreError> {
    let account = account(handle, args)?;
    let url = account.ws_url.clone();
    let mut registrar = Registrar::new(account, seed())?;
    crate::runtime()?.block_on(async move {
        if once {
            emit(&RegEvent::Connecting { url });
            let (event, _) = registrar.register().await;
            emit(&event);
            if let RegEvent::RegistrationFailed { failure, .. } = event {
                return Err(SipError::Registration(failure).into());
            }
            emit(&registrar.unregister().await);
            return Ok(());
        }
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let running = tokio::spawn(registrar.run(events, stop.clone()));
        let mut last_failure = None;
        loop {
            tokio::select! {
                event = received.recv() => match event {
                    Some(event) => {
                        emit(&event);
                        last_failure = match event {
                            RegEvent::RegistrationFailed { failure, final_: true, .. } => Some(failure),
                            _ => None,
                        };
                    }
                    None => break,
                },
                _ = tokio::signal::ctrl_c() => stop.cancel(),
            }
        }
        let _ = running.await;
        match last_failure {
            Some(failure) => Err(SipError::Registration(failure).into()),
            None => Ok(()),
        }
    })
}
