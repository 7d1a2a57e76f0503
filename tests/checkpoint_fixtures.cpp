#include "checkpoint_fixtures.h"

#include "core/zip_archive.h"

#include <cstring>

namespace stylecam::testing {
namespace {

void put_le(std::string& out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

/// Protocol-2 opcodes, written the way Python's pickler does.
struct Pickle {
    std::string out = "\x80\x02";
    void global(const std::string& module, const std::string& name) {
        out += "c" + module + "\n" + name + "\n";
    }
    void text(const std::string& s) {
        out += 'X';
        put_le(out, s.size(), 4);
        out += s;
    }
    void integer(int64_t v) {
        out += 'J';
        put_le(out, static_cast<uint64_t>(v), 4);
    }
    void ints(const std::vector<int64_t>& values) {
        out += '(';
        for (auto v : values) integer(v);
        out += 't';
    }
};

int64_t element_size(const std::string& type) {
    if (type == "HalfStorage" || type == "BFloat16Storage" || type == "ShortStorage") return 2;
    if (type == "DoubleStorage" || type == "LongStorage") return 8;
    if (type == "ByteStorage" || type == "CharStorage" || type == "BoolStorage") return 1;
    return 4;
}

}  // namespace

std::string state_dict_pickle(const std::vector<FixtureTensor>& tensors, bool legacy) {
    Pickle p;
    p.global("collections", "OrderedDict");
    p.out += ")R(";
    for (size_t i = 0; i < tensors.size(); ++i) {
        const auto& t = tensors[i];
        p.text(t.name);
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.out += "((";
        p.text("storage");
        p.global("torch", t.storage_type);
        p.text(std::to_string(i));
        p.text("cpu");
        p.integer(static_cast<int64_t>(t.bytes.size()) / element_size(t.storage_type));
        if (legacy) p.out += 'N';
        p.out += "tQ";
        p.integer(0);
        p.ints(t.sizes);
        std::vector<int64_t> strides(t.sizes.size(), 1);
        for (size_t d = t.sizes.size(); d-- > 1;) strides[d - 1] = strides[d] * t.sizes[d];
        p.ints(strides);
        p.out += "\x89";
        p.global("collections", "OrderedDict");
        p.out += ")Rtq";
        p.out += static_cast<char>(i);  // BINPUT i, as the pickler memoizes
        p.out += 'R';
    }
    p.out += "u.";
    return p.out;
}

std::string legacy_checkpoint(const std::vector<FixtureTensor>& tensors) {
    std::string out("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
    out += std::string("\x80\x02M\xe9\x03.", 6);
    Pickle sys;
    sys.out += "}(";
    sys.text("little_endian");
    sys.out += "\x88u.";
    out += sys.out;
    out += state_dict_pickle(tensors, true);
    Pickle keys;
    keys.out += "](";
    for (size_t i = 0; i < tensors.size(); ++i) keys.text(std::to_string(i));
    keys.out += "e.";
    out += keys.out;
    for (const auto& t : tensors) {
        put_le(out, t.bytes.size() / element_size(t.storage_type), 8);
        out += t.bytes;
    }
    return out;
}

std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& entries,
                       bool zip64) {
    std::string out, directory;
    for (const auto& [name, data] : entries) {
        const auto crc = crc32(data);
        const auto offset = out.size();
        put_le(out, 0x04034b50, 4);
        put_le(out, 20, 2);  // version needed
        put_le(out, 0, 2);   // flags
        put_le(out, 0, 2);   // stored
        put_le(out, 0, 4);   // time, date
        put_le(out, crc, 4);
        put_le(out, data.size(), 4);
        put_le(out, data.size(), 4);
        put_le(out, name.size(), 2);
        put_le(out, 0, 2);
        out += name + data;
        put_le(directory, 0x02014b50, 4);
        put_le(directory, 20, 2);
        put_le(directory, 20, 2);
        put_le(directory, 0, 2);
        put_le(directory, 0, 2);
        put_le(directory, 0, 4);
        put_le(directory, crc, 4);
        put_le(directory, data.size(), 4);
        put_le(directory, data.size(), 4);
        put_le(directory, name.size(), 2);
        put_le(directory, 0, 2 + 2 + 2 + 2);  // extra, comment, disk, internal attributes
        put_le(directory, 0, 4);              // external attributes
        put_le(directory, offset, 4);
        directory += name;
    }
    const auto directory_offset = out.size();
    out += directory;
    if (zip64) {  // the zip64 end record and its locator; the classic record saturated
        const auto record = out.size();
        put_le(out, 0x06064b50, 4);
        put_le(out, 44, 8);     // size of the rest of the record
        put_le(out, 45, 2);     // version made by
        put_le(out, 45, 2);     // version needed
        put_le(out, 0, 4 + 4);  // disk numbers
        put_le(out, entries.size(), 8);
        put_le(out, entries.size(), 8);
        put_le(out, directory.size(), 8);
        put_le(out, directory_offset, 8);
        put_le(out, 0x07064b50, 4);
        put_le(out, 0, 4);
        put_le(out, record, 8);
        put_le(out, 1, 4);
    }
    put_le(out, 0x06054b50, 4);
    put_le(out, 0, 4);
    put_le(out, zip64 ? 0xFFFF : entries.size(), 2);
    put_le(out, zip64 ? 0xFFFF : entries.size(), 2);
    put_le(out, zip64 ? 0xFFFFFFFF : directory.size(), 4);
    put_le(out, zip64 ? 0xFFFFFFFF : directory_offset, 4);
    put_le(out, 0, 2);
    return out;
}

std::string zip_checkpoint(const std::vector<FixtureTensor>& tensors, bool zip64) {
    std::vector<std::pair<std::string, std::string>> entries = {
        {"archive/data.pkl", state_dict_pickle(tensors, false)}};
    for (size_t i = 0; i < tensors.size(); ++i)
        entries.emplace_back("archive/data/" + std::to_string(i), tensors[i].bytes);
    entries.emplace_back("archive/version", "3\n");
    return stored_zip(entries, zip64);
}

std::vector<FixtureTensor> small_fixture() {
    auto floats = [](std::vector<float> values) {
        std::string bytes(values.size() * 4, '\0');
        std::memcpy(bytes.data(), values.data(), bytes.size());
        return bytes;
    };
    // fp16 1.0, -2.0, 0.5
    const std::string halves("\x00\x3c\x00\xc0\x00\x38", 6);
    return {{"layer.weight", "FloatStorage", {2, 3}, floats({1, 2, 3, 4, 5, 6})},
            {"layer.bias", "FloatStorage", {2}, floats({-1.5f, 0.25f})},
            {"half", "HalfStorage", {3}, halves}};
}

}  // namespace stylecam::testing
