#include "core/memory.h"

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

}  // namespace stylecam
