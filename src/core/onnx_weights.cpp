#include "core/onnx_weights.h"

#include "core/error.h"

#include <cstring>

namespace stylecam {
namespace {

// Field numbers from onnx.proto.
constexpr uint64_t kModelGraph = 7;
constexpr uint64_t kGraphInitializer = 5;
constexpr uint64_t kTensorDims = 1;
constexpr uint64_t kTensorDataType = 2;
constexpr uint64_t kTensorFloatData = 4;
constexpr uint64_t kTensorName = 8;
constexpr uint64_t kTensorRawData = 9;
constexpr uint64_t kTensorExternalData = 13;
constexpr uint64_t kTensorDataLocation = 14;

enum Wire { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

/// One protobuf field: its number, wire type and value (a varint, or a byte range).
struct Field {
    uint64_t number = 0;
    int wire = 0;
    uint64_t varint = 0;
    std::string_view bytes;
};

/// Reads the fields of one protobuf message, in order, with every length checked.
class Message {
  public:
    Message(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

    bool next(Field& field) {
        if (pos_ == bytes_.size()) return false;
        const uint64_t key = varint();
        field.number = key >> 3;
        field.wire = static_cast<int>(key & 7);
        switch (field.wire) {
            case kVarint:
                field.varint = varint();
                break;
            case kFixed64:
                field.bytes = take(8);
                break;
            case kFixed32:
                field.bytes = take(4);
                break;
            case kBytes:
                field.bytes = take(varint());
                break;
            default:
                STYLECAM_FAIL(name_, ": not an ONNX file (protobuf wire type ", field.wire, ")");
        }
        return true;
    }

  private:
    uint64_t varint() {
        uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            STYLECAM_CHECK(pos_ < bytes_.size(), name_, ": truncated ONNX file");
            const auto byte = static_cast<unsigned char>(bytes_[pos_++]);
            value |= static_cast<uint64_t>(byte & 0x7F) << shift;
            if (!(byte & 0x80)) return value;
        }
        STYLECAM_FAIL(name_, ": not an ONNX file (bad varint)");
    }
    std::string_view take(uint64_t size) {
        STYLECAM_CHECK(size <= bytes_.size() - pos_, name_, ": truncated ONNX file");
        const auto range = bytes_.substr(pos_, static_cast<size_t>(size));
        pos_ += static_cast<size_t>(size);
        return range;
    }

    std::string_view bytes_;
    const std::string& name_;
    size_t pos_ = 0;
};

torch::ScalarType onnx_dtype(uint64_t type, const std::string& what) {
    switch (type) {
        case 1:
            return torch::kFloat32;
        case 10:
            return torch::kFloat16;
        case 16:
            return torch::kBFloat16;
        case 11:
            return torch::kFloat64;
        case 7:
            return torch::kInt64;
        case 6:
            return torch::kInt32;
        default:
            STYLECAM_FAIL(what, " has ONNX data type ", type, ", which is not supported");
    }
}

/// One TensorProto → a tensor.
std::pair<std::string, torch::Tensor> read_tensor(std::string_view bytes, const std::string& name) {
    Message message(bytes, name);
    Field field;
    std::string tensor_name;
    std::vector<int64_t> dims;
    uint64_t type = 0;
    std::string_view raw;
    std::vector<float> floats;
    bool has_raw = false;
    while (message.next(field)) {
        if (field.number == kTensorDims && field.wire == kVarint) {
            dims.push_back(static_cast<int64_t>(field.varint));
        } else if (field.number == kTensorDims && field.wire == kBytes) {  // packed
            // A packed run of varints.
            size_t pos = 0;
            const auto& run = field.bytes;
            while (pos < run.size()) {
                uint64_t value = 0;
                int shift = 0;
                for (;; shift += 7) {
                    STYLECAM_CHECK(pos < run.size() && shift < 64, name, ": bad packed dims");
                    const auto byte = static_cast<unsigned char>(run[pos++]);
                    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
                    if (!(byte & 0x80)) break;
                }
                dims.push_back(static_cast<int64_t>(value));
            }
        } else if (field.number == kTensorDataType && field.wire == kVarint) {
            type = field.varint;
        } else if (field.number == kTensorName && field.wire == kBytes) {
            tensor_name = std::string(field.bytes);
        } else if (field.number == kTensorRawData && field.wire == kBytes) {
            raw = field.bytes;
            has_raw = true;
        } else if (field.number == kTensorFloatData && field.wire == kBytes) {
            STYLECAM_CHECK(field.bytes.size() % 4 == 0, name, ": bad float_data");
            const size_t old = floats.size();
            floats.resize(old + field.bytes.size() / 4);
            // An empty packed field leaves `floats` possibly without storage (data() null):
            // memcpy must not be given a null pointer even for 0 bytes.
            if (!field.bytes.empty())
                std::memcpy(floats.data() + old, field.bytes.data(), field.bytes.size());
        } else if (field.number == kTensorFloatData && field.wire == kFixed32) {
            float value;
            std::memcpy(&value, field.bytes.data(), 4);
            floats.push_back(value);
        } else if (field.number == kTensorExternalData ||
                   (field.number == kTensorDataLocation && field.varint != 0)) {
            STYLECAM_FAIL(name, ": weights stored outside the .onnx file are not supported");
        }
    }
    const std::string what = name + ": initializer '" + tensor_name + "'";
    STYLECAM_CHECK(tensor_name.size() <= 1024, name, ": an initializer name of ",
                   tensor_name.size(), " characters");
    const auto dtype = onnx_dtype(type, what);
    STYLECAM_CHECK(dims.size() <= 16, what, " has ", dims.size(), " dimensions");
    int64_t numel = 1;
    for (auto d : dims) {
        STYLECAM_CHECK(d >= 0 && (d == 0 || numel <= (int64_t{1} << 40) / d), what,
                       " has an impossible shape");
        numel *= d;
    }
    // The data must be there before the tensor is allocated: the shape alone may claim terabytes.
    const size_t size = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (has_raw)
        STYLECAM_CHECK(raw.size() == size, what, " holds ", raw.size(), " bytes, expected ", size);
    else
        STYLECAM_CHECK(dtype == torch::kFloat32 && floats.size() == static_cast<size_t>(numel),
                       what, " has no data of its shape");
    auto tensor = torch::empty(dims, torch::TensorOptions().dtype(dtype));
    if (size)
        std::memcpy(tensor.data_ptr(),
                    has_raw ? raw.data() : static_cast<const void*>(floats.data()), size);
    return {tensor_name, tensor};
}

}  // namespace

OnnxWeights parse_onnx_weights(std::string_view bytes, const std::string& name) {
    OnnxWeights weights;
    Message model(bytes, name);
    Field field;
    bool has_graph = false;
    while (model.next(field)) {
        if (field.number != kModelGraph || field.wire != kBytes) continue;
        has_graph = true;
        Message graph(field.bytes, name);
        Field item;
        while (graph.next(item)) {
            if (item.number != kGraphInitializer || item.wire != kBytes) continue;
            auto [tensor_name, tensor] = read_tensor(item.bytes, name);
            STYLECAM_CHECK(!weights.tensors.count(tensor_name), name, ": initializer '",
                           tensor_name, "' appears twice");
            weights.order.push_back(tensor_name);
            weights.tensors.emplace(std::move(tensor_name), std::move(tensor));
        }
    }
    STYLECAM_CHECK(has_graph, name, ": not an ONNX model (no graph)");
    STYLECAM_CHECK(!weights.tensors.empty(), name, ": the ONNX graph has no weights");
    return weights;
}

}  // namespace stylecam
