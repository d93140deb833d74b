//! The app's heap gives freed memory back to the OS. glibc's allocator raises its mmap
//! threshold each time a large block is freed (up to 32 MiB), after which the buffers of a
//! sync, a board page or a call's set-up are carved from the heap and stay there, freed but
//! resident, for the life of the process (35 MiB of an idle app after its first sync,
//! measured). A fixed threshold of 128 KiB keeps large blocks in their own mappings, returned
//! when freed, and the heap's free top is trimmed past 128 KiB: the idle app's resident
//! memory (PSS) went from 159 to 126–132 MiB. Elsewhere: nothing to do.
//!
//! WebKitGTK's GPU compositing doubles its web process's memory for a window of forms and
//! lists (266 against 138 MiB, docs/benchmarks.md): on Linux the app asks for software
//! compositing however it was started (a package's menu entry, a `tel:` link, a login item,
//! a terminal) unless the environment already says otherwise.

/// Fixes glibc's mmap and trim thresholds; call first thing, before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn return_freed_memory() {
    const THRESHOLD: libc::c_int = 128 * 1024;
    // SAFETY: `mallopt` only sets allocator parameters; it is called before any other thread
    // exists, with documented parameters and values. A refusal (0) leaves glibc's defaults.
    let fixed = unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, THRESHOLD) == 1
    };
    if !fixed {
        eprintln!("leadline: the allocator kept its own thresholds");
    }
}

/// Fixes glibc's mmap and trim thresholds; nothing to do on this platform.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_freed_memory() {}

/// Software compositing for WebKitGTK unless `WEBKIT_DISABLE_COMPOSITING_MODE` is set already;
/// call first thing, before any thread starts.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn software_compositing_by_default() {
    const COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(COMPOSITING).is_none() {
        // SAFETY: called before any other thread exists, so nothing reads the environment
        // while it changes.
        unsafe { std::env::set_var(COMPOSITING, "1") };
    }
}

/// Software compositing for WebKitGTK; nothing to do on this platform.
#[cfg(not(target_os = "linux"))]
pub fn software_compositing_by_default() {}
