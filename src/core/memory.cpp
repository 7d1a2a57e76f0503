#include "core/memory.h"

#include <dlfcn.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace stylecam {

int64_t available_memory_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    std::string line;
    while (std::getline(meminfo, line)) {
        if (line.rfind("MemAvailable:", 0) != 0) continue;
        std::istringstream fields(line.substr(13));
        int64_t kilobytes = -1;
        if (fields >> kilobytes) return kilobytes * 1024;
    }
    const long pages = sysconf(_SC_AVPHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    return pages > 0 && page_size > 0 ? static_cast<int64_t>(pages) * page_size : -1;
}

int64_t peak_resident_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) != 0) continue;
        std::istringstream fields(line.substr(6));
        int64_t kilobytes = -1;
        if (fields >> kilobytes) return kilobytes * 1024;
    }
    return -1;
}

std::string memory_allocator_name() {
    // gperftools exports `const char* tc_version(int*, int*, const char**)`.
    using VersionFunction = const char* (*)(int*, int*, const char**);
    if (auto* version = reinterpret_cast<VersionFunction>(dlsym(RTLD_DEFAULT, "tc_version"))) {
        int major = 0, minor = 0;
        const char* patch = nullptr;
        version(&major, &minor, &patch);
        return "tcmalloc " + std::to_string(major) + "." + std::to_string(minor);
    }
    return "glibc malloc";
}

}  // namespace stylecam
