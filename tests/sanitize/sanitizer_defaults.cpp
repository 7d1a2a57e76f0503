// Default run-time options of the sanitized StyleCam executables (linked in only when
// -DSTYLECAM_SANITIZE is set; see sanitize.cmake). The sanitizer runtimes call these functions
// before reading ASAN_OPTIONS/LSAN_OPTIONS/UBSAN_OPTIONS, which still override them.
// STYLECAM_SANITIZE_DIR is this folder (the suppression files), set by CMake.

extern "C" {

/// ASan: report and fail; ODR checks off (they concern libraries we do not instrument, see
/// README.md); operator new's failures stay exceptions (`allocator_may_return_null=1` lets
/// malloc return null the way glibc does for absurd sizes, as LibTorch expects).
const char* __asan_default_options() {
    return "detect_leaks=1:detect_odr_violation=0:strict_string_checks=1:"
           "check_initialization_order=1:allocator_may_return_null=1:"
           "detect_stack_use_after_return=0";
}

/// LeakSanitizer: suppressions for leaks that are not ours (each one explained in the file).
const char* __lsan_default_options() {
    return "suppressions=" STYLECAM_SANITIZE_DIR "/lsan.supp:print_suppressions=0";
}

/// UBSan: a stack trace with each report; the build already makes every report fatal.
const char* __ubsan_default_options() {
    return "print_stacktrace=1:halt_on_error=1:suppressions=" STYLECAM_SANITIZE_DIR "/ubsan.supp";
}

/// Libraries are never unloaded in sanitized builds. At exit GLFW and Mesa's GLX unload the X11
/// and DRI libraries they opened; LeakSanitizer then no longer sees those libraries' globals, so
/// what only they still point to (two 56-byte blocks in every window run) is reported as leaked,
/// with frames it cannot name. Keeping them mapped keeps their roots and names: a real leak of
/// ours is still reported. Defined in the executable, this takes the place of libc's `dlclose`
/// for every library.
int dlclose(void* handle) {
    (void)handle;
    return 0;
}

}  // extern "C"
