//! The desktop around the window, through Tauri's official plugins: a tray icon showing the
//! line's state with quick actions (answer, hang up, mute, show), a notification for each
//! incoming call, global shortcuts for answer / hang up / mute, one instance only (a second
//! launch, or a `tel:`/`sip:` link handed to it, focuses the running app and dials), and the
//! window's size and position remembered. The actions go to the core's phone like the
//! window's own; nothing here reaches the webview but the link to dial.

use leadline_core::phone::PhoneEvent;
use leadline_core::preferences::Preferences;
use leadline_core::{CoreError, Handle, PhoneStatus};
use std::collections::HashSet;
use std::sync::Mutex;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};
use tauri_plugin_notification::NotificationExt;

/// The tray icon's id.
const TRAY: &str = "leadline";
/// The actions of the preferences' shortcuts, in their order (answer, hang up, mute).
const SHORTCUT_ACTIONS: [Action; 3] = [Action::Answer, Action::HangUp, Action::Mute];

/// A quick action from the tray or a shortcut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Answer the call ringing in (the oldest).
    Answer,
    /// Hang up the active call, or refuse the one ringing in.
    HangUp,
    /// Mute or unmute the active call.
    Mute,
    /// Bring the window to the front.
    Show,
}

/// What the desktop keeps of the calls, from the phone's events.
#[derive(Default)]
pub struct Desktop {
    ringing: Mutex<Vec<String>>,
    muted: Mutex<HashSet<String>>,
    /// A `tel:`/`sip:` link the app was started with, until the window takes it.
    link: Mutex<Option<String>>,
    /// The global shortcuts registered now, and what each does.
    shortcuts: Mutex<Vec<(Shortcut, Action)>>,
}

/// The `tel:`, `sip:` or `callto:` link among a command line's arguments.
pub fn dial_link(args: &[String]) -> Option<String> {
    first_link(args.iter().skip(1).map(String::as_str))
}

/// The first `tel:`, `sip:` or `callto:` link of `candidates` (at most 256 characters of it).
pub fn first_link<'a>(candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates.into_iter().find_map(|arg| {
        let lower = arg.to_ascii_lowercase();
        ["tel:", "sip:", "sips:", "callto:"]
            .iter()
            .any(|scheme| lower.starts_with(scheme))
            .then(|| arg.chars().take(256).collect())
    })
}

/// What the tray says of the line.
fn line_label(status: &PhoneStatus) -> &'static str {
    match status {
        PhoneStatus::Registered { .. } => "Leadline — phone ready",
        PhoneStatus::Connecting { .. } => "Leadline — phone connecting",
        PhoneStatus::Failed { final_: true, .. } => "Leadline — phone: check settings",
        PhoneStatus::Failed { .. } => "Leadline — phone offline",
        PhoneStatus::Unregistered | PhoneStatus::Off { .. } => "Leadline — phone off",
    }
}

/// Sets the desktop up: the tray, the shortcuts, the link the app was started with.
pub fn setup(app: &AppHandle) -> tauri::Result<()> {
    let desktop = Desktop::default();
    let deep_link = app.deep_link();
    #[cfg(windows)]
    if let Err(error) = deep_link.register_all() {
        tracing::warn!(%error, "tel: and sip: links are not registered with Windows");
    }
    if let Ok(mut link) = desktop.link.lock() {
        // Linux and Windows hand the link over as an argument; macOS as an event, kept by
        // the plugin until asked.
        let opened_with = deep_link.get_current().ok().flatten().unwrap_or_default();
        *link = dial_link(&std::env::args().collect::<Vec<_>>())
            .or_else(|| first_link(opened_with.iter().map(|url| url.as_str())));
    }
    let opened = app.clone();
    deep_link.on_open_url(move |event| {
        show_and_dial(&opened, first_link(event.urls().iter().map(|url| url.as_str())));
    });
    app.manage(desktop);
    let item = |id: &str, text: &str| MenuItem::with_id(app, id, text, true, None::<&str>);
    let menu = Menu::with_items(
        app,
        &[
            &item("show", "Show Leadline")?,
            &item("answer", "Answer")?,
            &item("hangup", "Hang up")?,
            &item("mute", "Mute / unmute")?,
            &item("quit", "Quit")?,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip("Leadline")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => act(app, Action::Show),
            "answer" => act(app, Action::Answer),
            "hangup" => act(app, Action::HangUp),
            "mute" => act(app, Action::Mute),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    if let Err(error) = tray.build(app) {
        // A desktop without a system tray: the window does everything.
        tracing::warn!(%error, "no tray icon");
    }
    remind_followups(app.clone());
    let preferences = app
        .try_state::<Handle>()
        .map(|h| h.preferences())
        .unwrap_or_default();
    for problem in register_shortcuts(app, &preferences) {
        tracing::warn!(%problem, "a global shortcut is not available");
    }
    if let Some(window) = app.get_webview_window("main") {
        // Hidden in the tray only when there is a tray to show it from.
        let to_tray = preferences.start_minimized && app.tray_by_id(TRAY).is_some();
        if !to_tray {
            let _ = window.show();
        }
    }
    Ok(())
}

/// How often the follow-ups are looked at for one falling due.
const FOLLOWUP_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// Reminds the agent of each follow-up as it falls due: a notification naming the lead.
fn remind_followups(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut upcoming: Vec<(String, leadline_core::store::Timestamp)> = Vec::new();
        loop {
            let now = leadline_core::store::Timestamp::now();
            for (name, _) in upcoming.iter().filter(|(_, at)| *at <= now) {
                let shown = app
                    .notification()
                    .builder()
                    .title("Follow-up due")
                    .body(format!("Time to follow up with {name}"))
                    .show();
                if let Err(error) = shown {
                    tracing::debug!(%error, "no desktop notification");
                }
            }
            let Some(handle) = app.try_state::<Handle>().map(|h| h.inner().clone()) else {
                return;
            };
            let listed = tauri::async_runtime::spawn_blocking(move || handle.followups()).await;
            upcoming = match listed {
                Ok(Ok(leads)) => leads
                    .into_iter()
                    .filter_map(|c| c.lead.next_followup_at.map(|at| (c.lead.name, at)))
                    .collect(),
                _ => Vec::new(), // a role without leads.view, or no profile: nothing to remind
            };
            tokio::time::sleep(FOLLOWUP_CHECK).await;
        }
    });
}

/// Registers the preferences' shortcuts in place of the ones before; returns what could not
/// be registered (taken by another program, say), each said for a person.
fn register_shortcuts(app: &AppHandle, preferences: &Preferences) -> Vec<String> {
    let Some(desktop) = app.try_state::<Desktop>() else {
        return Vec::new();
    };
    let _ = app.global_shortcut().unregister_all();
    let mut registered = Vec::new();
    let mut problems = Vec::new();
    for (keys, action) in preferences.shortcuts().into_iter().zip(SHORTCUT_ACTIONS) {
        if keys.trim().is_empty() {
            continue;
        }
        match keys.parse::<Shortcut>() {
            Ok(shortcut) => match app.global_shortcut().register(shortcut) {
                Ok(()) => registered.push((shortcut, action)),
                Err(error) => problems.push(format!("{keys}: {error}")),
            },
            Err(error) => problems.push(format!("{keys}: {error}")),
        }
    }
    if let Ok(mut shortcuts) = desktop.shortcuts.lock() {
        *shortcuts = registered;
    }
    problems
}

/// The global shortcut plugin, acting on the shortcuts registered from the preferences.
pub fn shortcuts_plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, shortcut, event| {
            if event.state() != ShortcutState::Pressed {
                return;
            }
            let action = app.try_state::<Desktop>().and_then(|d| {
                d.shortcuts
                    .lock()
                    .ok()
                    .and_then(|s| s.iter().find(|(s, _)| s == shortcut).map(|(_, a)| *a))
            });
            if let Some(action) = action {
                act(app, action);
            }
        })
        .build()
}

/// A second launch: the window comes to the front, and dials the link it was given.
pub fn second_launch(app: &AppHandle, args: Vec<String>) {
    show_and_dial(app, dial_link(&args));
}

/// Brings the window to the front and hands it `link` to dial, if any.
fn show_and_dial(app: &AppHandle, link: Option<String>) {
    act(app, Action::Show);
    if let Some(link) = link
        && let Err(error) = app.emit("dial-link", link)
    {
        tracing::debug!(%error, "the window did not take the link");
    }
}

/// Keeps the tray and notifications in step with the phone.
pub fn on_phone_event(app: &AppHandle, event: &PhoneEvent) {
    let Some(desktop) = app.try_state::<Desktop>() else {
        return;
    };
    match event {
        PhoneEvent::Line { status } => {
            if let Some(tray) = app.tray_by_id(TRAY) {
                let _ = tray.set_tooltip(Some(line_label(status)));
            }
        }
        PhoneEvent::Incoming {
            call_id,
            caller_name,
            caller_number,
            leads,
            waiting,
        } => {
            if let Ok(mut ringing) = desktop.ringing.lock() {
                ringing.push(call_id.clone());
            }
            let who = caller_name.as_deref().unwrap_or(caller_number);
            let lead = leads.first().map(|m| format!("\nLead: {}", m.lead.lead.name));
            let title = if *waiting { "Call waiting" } else { "Incoming call" };
            let shown = app
                .notification()
                .builder()
                .title(title)
                .body(format!("{who} ({caller_number}){}", lead.unwrap_or_default()))
                .show();
            if let Err(error) = shown {
                tracing::debug!(%error, "no desktop notification");
            }
        }
        PhoneEvent::Answered { call_id, .. }
        | PhoneEvent::Rejected { call_id, .. }
        | PhoneEvent::Ended { call_id, .. } => {
            if let Ok(mut ringing) = desktop.ringing.lock() {
                ringing.retain(|id| id != call_id);
            }
            if let Ok(mut muted) = desktop.muted.lock()
                && !matches!(event, PhoneEvent::Answered { .. })
            {
                muted.remove(call_id);
            }
        }
        PhoneEvent::Muted { call_id, on } => {
            if let Ok(mut muted) = desktop.muted.lock() {
                if *on {
                    muted.insert(call_id.clone());
                } else {
                    muted.remove(call_id);
                }
            }
        }
        _ => {}
    }
}

/// Carries a quick action out on the core's phone.
pub fn act(app: &AppHandle, action: Action) {
    if action == Action::Show {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
        return;
    }
    let (Some(handle), Some(desktop)) = (app.try_state::<Handle>(), app.try_state::<Desktop>()) else {
        return;
    };
    let Some(phone) = handle.phone() else { return };
    let ringing = desktop.ringing.lock().ok().and_then(|r| r.first().cloned());
    let active = phone.active_call();
    let muted = active
        .as_ref()
        .is_some_and(|id| desktop.muted.lock().is_ok_and(|m| m.contains(id)));
    tauri::async_runtime::spawn(async move {
        let done = match (action, ringing, active) {
            (Action::Answer, Some(ringing), _) => phone.answer(&ringing).await,
            (Action::HangUp, _, Some(active)) => phone.hangup(&active).await,
            (Action::HangUp, Some(ringing), None) => phone.reject(&ringing, None).await,
            (Action::Mute, _, Some(active)) => phone.mute(&active, !muted),
            _ => Ok(()),
        };
        if let Err(error) = done {
            tracing::info!(?action, %error, "a quick action was refused");
        }
    });
}

#[tauri::command]
pub fn preferences(handle: State<'_, Handle>) -> Preferences {
    handle.preferences()
}

/// Saves the preferences: every shortcut must be a key combination (checked before anything
/// is saved); they take effect at once.
#[tauri::command]
pub fn set_preferences(
    app: AppHandle,
    handle: State<'_, Handle>,
    preferences: Preferences,
) -> Result<Preferences, CoreError> {
    for keys in preferences.shortcuts() {
        if !keys.trim().is_empty()
            && let Err(error) = keys.parse::<Shortcut>()
        {
            return Err(CoreError::Invalid {
                field: "shortcut",
                reason: format!("{keys:?} is not a key combination: {error}"),
            });
        }
    }
    handle.set_preferences(&preferences)?;
    let problems = register_shortcuts(&app, &preferences);
    if !problems.is_empty() {
        return Err(CoreError::Invalid {
            field: "shortcut",
            reason: format!("saved, but not available now: {}", problems.join("; ")),
        });
    }
    Ok(preferences)
}

/// The link the app was started with, once (the window dials it when ready).
#[tauri::command]
pub fn take_dial_link(desktop: State<'_, Desktop>) -> Option<String> {
    desktop.link.lock().ok().and_then(|mut l| l.take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_link_to_dial_among_the_arguments() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            dial_link(&args(&["leadline-app", "tel:+1-212-555-0100"])),
            Some("tel:+1-212-555-0100".into())
        );
        assert_eq!(
            dial_link(&args(&["leadline-app", "--flag", "SIP:carl@pbx.example.com"])),
            Some("SIP:carl@pbx.example.com".into())
        );
        assert_eq!(
            dial_link(&args(&["tel:+1"])),
            None,
            "the program's own path is not a link"
        );
        assert_eq!(dial_link(&args(&["leadline-app", "telephone"])), None);
        let long = format!("tel:{}", "1".repeat(1_000));
        assert_eq!(
            dial_link(&args(&["leadline-app", &long])).map(|l| l.len()),
            Some(256)
        );
    }

    #[test]
    fn a_link_the_os_opened_is_dialed_and_other_urls_are_not() {
        // As macOS hands links over: parsed URLs, any scheme the bundle declared or not.
        let opened = ["https://example.com/", "callto:+44 20 7946 0958", "tel:+1"];
        assert_eq!(first_link(opened), Some("callto:+44 20 7946 0958".into()));
        assert_eq!(first_link(["mailto:agent@example.com"]), None);
        assert_eq!(first_link([]), None);
    }
}
