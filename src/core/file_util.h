#pragma once
/// Small file helpers shared by every writer: whole-file reads and atomic writes.

#include <functional>
#include <string>

namespace stylecam {

/// Reads a whole file; throws `Error("<path>: ...")` when it is missing or unreadable.
std::string read_file_bytes(const std::string& path);

/// A temporary path beside `path` that keeps its extension (so that encoders choosing a format
/// by extension still work), e.g. `dir/.out.jpg.partial-1234.jpg` for `dir/out.jpg`.
std::string partial_path_for(const std::string& path);

/// Calls `write(tmp)` with a temporary path beside `path`, then renames it over `path`.
/// If `write` throws, the temporary file is removed and the exception propagates; `path` is
/// never left half-written.
void write_atomically(const std::string& path,
                      const std::function<void(const std::string&)>& write);

/// The extension of `path` in lower case, with its dot (".jpg"); empty when there is none.
std::string lower_extension(const std::string& path);

/// Throws `Error` unless the folder that will hold `path` exists and is writable.
void check_parent_writable(const std::string& path);

}  // namespace stylecam
