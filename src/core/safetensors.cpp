#include "core/safetensors.h"

#include "core/error.h"
#include "core/file_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

namespace stylecam {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the reference implementation's limit

struct DtypeEntry {
    const char* name;
    torch::ScalarType type;
};
constexpr DtypeEntry kDtypes[] = {
    {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
    {"F64", torch::kFloat64}, {"I64", torch::kInt64},   {"I32", torch::kInt32},
    {"I16", torch::kInt16},   {"I8", torch::kInt8},     {"U8", torch::kUInt8},
    {"BOOL", torch::kBool},
};

torch::ScalarType dtype_from_name(const std::string& name, const std::string& where) {
    for (const auto& entry : kDtypes)
        if (name == entry.name) return entry.type;
    STYLECAM_FAIL(where, ": unsupported dtype '", name, "'");
}

std::string dtype_name(torch::ScalarType type) {
    for (const auto& entry : kDtypes)
        if (type == entry.type) return entry.name;
    STYLECAM_FAIL("safetensors: cannot store tensors of type ", c10::toString(type));
}

uint64_t read_le64(const char* bytes) {
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return value;
}

struct ParsedEntry {
    TensorInfo info;
    uint64_t begin = 0, end = 0;
};

struct ParsedHeader {
    std::map<std::string, ParsedEntry> entries;
    Metadata metadata;
    uint64_t data_start = 0;  ///< offset of the data section in the file
};

/// Validates and decodes the JSON header. `data_size` is the number of bytes after the header
/// (or max when unknown, i.e. when reading the header only).
ParsedHeader parse_header(const std::string& json_text, const std::string& name,
                          uint64_t data_size) {
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception&) {
        STYLECAM_FAIL(name, ": corrupt safetensors header (not valid JSON)");
    }
    STYLECAM_CHECK(header.is_object(), name, ": corrupt safetensors header (not a JSON object)");

    ParsedHeader parsed;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& key = it.key();
        const auto& value = it.value();
        if (key == "__metadata__") {
            STYLECAM_CHECK(value.is_object(), name, ": __metadata__ must be an object");
            for (auto m = value.begin(); m != value.end(); ++m) {
                STYLECAM_CHECK(m.value().is_string(), name, ": metadata '", m.key(),
                               "' is not a string");
                parsed.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        const std::string where = name + ": tensor '" + key + "'";
        STYLECAM_CHECK(value.is_object() && value.contains("dtype") && value.contains("shape") &&
                           value.contains("data_offsets"),
                       where, " lacks dtype, shape or data_offsets");
        STYLECAM_CHECK(value["dtype"].is_string(), where, ": dtype is not a string");
        ParsedEntry entry;
        entry.info.dtype = value["dtype"].get<std::string>();
        const auto type = dtype_from_name(entry.info.dtype, where);
        STYLECAM_CHECK(value["shape"].is_array(), where, ": shape is not an array");
        uint64_t numel = 1;
        for (const auto& dim : value["shape"]) {
            STYLECAM_CHECK(dim.is_number_unsigned(), where, ": shape has a non-integer entry");
            const uint64_t d = dim.get<uint64_t>();
            STYLECAM_CHECK(d < (1ull << 40) && (d == 0 || numel <= (1ull << 40) / d), where,
                           ": shape is too large");
            numel *= d;
            entry.info.shape.push_back(static_cast<int64_t>(d));
        }
        const auto& offsets = value["data_offsets"];
        STYLECAM_CHECK(offsets.is_array() && offsets.size() == 2 &&
                           offsets[0].is_number_unsigned() && offsets[1].is_number_unsigned(),
                       where, ": data_offsets must be two non-negative integers");
        entry.begin = offsets[0].get<uint64_t>();
        entry.end = offsets[1].get<uint64_t>();
        STYLECAM_CHECK(entry.begin <= entry.end && entry.end <= data_size, where,
                       ": data_offsets [", entry.begin, ", ", entry.end,
                       "] lie outside the file (truncated or corrupt)");
        const uint64_t expected = numel * c10::elementSize(type);
        STYLECAM_CHECK(entry.end - entry.begin == expected, where, ": holds ",
                       entry.end - entry.begin, " bytes, but its shape and dtype need ", expected);
        ranges.emplace_back(entry.begin, entry.end);
        parsed.entries.emplace(key, std::move(entry));
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        STYLECAM_CHECK(ranges[i].first >= ranges[i - 1].second, name,
                       ": corrupt safetensors header (tensor data overlap)");
    return parsed;
}

uint64_t checked_header_length(const char* first8, uint64_t file_size, const std::string& name) {
    const uint64_t length = read_le64(first8);
    STYLECAM_CHECK(length <= kMaxHeaderBytes && length <= file_size - 8, name,
                   ": not a safetensors file or truncated (header length ", length,
                   " does not fit in ", file_size, " bytes)");
    return length;
}

}  // namespace

SafeTensors parse_safetensors(const std::string& bytes, const std::string& name) {
    STYLECAM_CHECK(bytes.size() >= 8, name, ": not a safetensors file (only ", bytes.size(),
                   " bytes)");
    const uint64_t header_length = checked_header_length(bytes.data(), bytes.size(), name);
    const uint64_t data_start = 8 + header_length;
    const auto parsed =
        parse_header(bytes.substr(8, header_length), name, bytes.size() - data_start);

    SafeTensors result;
    result.metadata = parsed.metadata;
    for (const auto& [key, entry] : parsed.entries) {
        const auto type = dtype_from_name(entry.info.dtype, name);
        auto tensor = torch::empty(entry.info.shape, torch::TensorOptions().dtype(type));
        if (entry.end > entry.begin)
            std::memcpy(tensor.data_ptr(), bytes.data() + data_start + entry.begin,
                        entry.end - entry.begin);
        result.tensors.emplace(key, std::move(tensor));
    }
    return result;
}

SafeTensors read_safetensors(const std::string& path) {
    return parse_safetensors(read_file_bytes(path), path);
}

SafeTensorsHeader read_safetensors_header(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    STYLECAM_CHECK(in, path, ": cannot open");
    const uint64_t file_size = static_cast<uint64_t>(in.tellg());
    STYLECAM_CHECK(file_size >= 8, path, ": not a safetensors file (only ", file_size, " bytes)");
    in.seekg(0);
    char first8[8];
    in.read(first8, 8);
    const uint64_t header_length = checked_header_length(first8, file_size, path);
    std::string json_text(header_length, '\0');
    in.read(json_text.data(), static_cast<std::streamsize>(header_length));
    STYLECAM_CHECK(in, path, ": read error");
    const auto parsed = parse_header(json_text, path, file_size - 8 - header_length);
    SafeTensorsHeader header;
    header.metadata = parsed.metadata;
    for (const auto& [key, entry] : parsed.entries) header.tensors.emplace(key, entry.info);
    return header;
}

std::string serialize_safetensors(const std::map<std::string, torch::Tensor>& tensors,
                                  const Metadata& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<torch::Tensor> cpu_tensors;
    uint64_t offset = 0;
    for (const auto& [key, tensor] : tensors) {
        STYLECAM_CHECK(key != "__metadata__", "safetensors: '__metadata__' is not a tensor name");
        auto cpu = tensor.detach().to(torch::kCPU).contiguous();
        const uint64_t size = static_cast<uint64_t>(cpu.numel()) * cpu.element_size();
        header[key] = {{"dtype", dtype_name(cpu.scalar_type())},
                       {"shape", cpu.sizes().vec()},
                       {"data_offsets", {offset, offset + size}}};
        offset += size;
        cpu_tensors.push_back(std::move(cpu));
    }
    std::string json_text = header.dump();
    json_text.append((8 - json_text.size() % 8) % 8, ' ');  // align the data section to 8 bytes

    std::string bytes;
    bytes.reserve(8 + json_text.size() + offset);
    uint64_t length = json_text.size();
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
    bytes += json_text;
    for (const auto& tensor : cpu_tensors)
        bytes.append(static_cast<const char*>(tensor.data_ptr()),
                     static_cast<size_t>(tensor.numel()) * tensor.element_size());
    return bytes;
}

void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const Metadata& metadata) {
    const std::string bytes = serialize_safetensors(tensors, metadata);
    write_atomically(path, [&](const std::string& tmp) {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        STYLECAM_CHECK(out, path, ": cannot create file");
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        STYLECAM_CHECK(out, path, ": write failed (disk full?)");
    });
}

SafeTensorsHeader header_of(const SafeTensors& contents) {
    SafeTensorsHeader header;
    header.metadata = contents.metadata;
    for (const auto& [name, tensor] : contents.tensors)
        header.tensors[name] = TensorInfo{dtype_name(tensor.scalar_type()), tensor.sizes().vec()};
    return header;
}

}  // namespace stylecam
