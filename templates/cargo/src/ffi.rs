//! The dynamic loader, declared by hand against libc (glibc 2.34 and
//! later has dlopen in libc itself): the only way this launcher reaches
//! the GPU driver, so it builds with no SDK and no crate.

use std::ffi::{c_void, CStr, CString};
use std::os::raw::{c_char, c_int};

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}

const RTLD_NOW: c_int = 2;

/// An opened shared library. It stays loaded until the process ends
/// (drivers do not like being unloaded).
pub struct Lib(*mut c_void);

fn last_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string.
    let e = unsafe { dlerror() };
    if e.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: e is non-null and NUL-terminated.
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

impl Lib {
    /// dlopen(name), or the loader's message.
    pub fn open(name: &str) -> Result<Lib, String> {
        let c = CString::new(name).map_err(|_| "library name with a NUL".to_string())?;
        // SAFETY: c is a valid NUL-terminated string.
        let h = unsafe { dlopen(c.as_ptr(), RTLD_NOW) };
        if h.is_null() {
            return Err(last_error());
        }
        Ok(Lib(h))
    }

    /// The address of symbol name, or null.
    pub fn sym(&self, name: &str) -> *mut c_void {
        match CString::new(name) {
            // SAFETY: self.0 is a live handle and c is NUL-terminated.
            Ok(c) => unsafe { dlsym(self.0, c.as_ptr()) },
            Err(_) => std::ptr::null_mut(),
        }
    }
}

/// Reinterpret a non-null symbol address as the function pointer type F.
///
/// # Safety
/// F must be an `extern "C"` function pointer type matching the symbol's
/// real signature.
pub unsafe fn func<F: Copy>(p: *mut c_void) -> F {
    debug_assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>());
    std::mem::transmute_copy(&p)
}
