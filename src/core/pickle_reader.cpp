#include "core/pickle_reader.h"

#include "core/error.h"

#include <cstring>
#include <unordered_map>

namespace stylecam {

PickleRef PickleValue::make(Kind kind) {
    auto value = std::make_shared<PickleValue>();
    value->kind = kind;
    return value;
}

PickleRef PickleValue::make_object(std::any object) {
    auto value = make(Kind::Object);
    value->object = std::move(object);
    return value;
}

std::string PickleValue::describe() const {
    switch (kind) {
        case Kind::None:
            return "None";
        case Kind::Bool:
            return "bool";
        case Kind::Int:
            return "int";
        case Kind::Float:
            return "float";
        case Kind::String:
            return "str";
        case Kind::Tuple:
            return "tuple";
        case Kind::List:
            return "list";
        case Kind::Dict:
            return "dict";
        case Kind::Global:
            return text;
        case Kind::Object:
            return "object";
    }
    return "?";
}

PickleRef PickleValue::find(std::string_view key) const {
    if (kind != Kind::Dict) return nullptr;
    for (const auto& [k, v] : entries)
        if (k->kind == Kind::String && k->text == key) return v;
    return nullptr;
}

namespace {

using Kind = PickleValue::Kind;

/// One pickle being read: the byte cursor, the stack, the marks and the memo.
class Unpickler {
  public:
    Unpickler(std::string_view bytes, size_t offset, const PickleHooks& hooks,
              const std::string& name)
        : bytes_(bytes), pos_(offset), hooks_(hooks), name_(name) {}

    PickleRef run();
    size_t position() const { return pos_; }

  private:
    [[noreturn]] void fail(const std::string& problem) const {
        STYLECAM_FAIL(name_, ": pickle byte ", op_pos_, ": ", problem);
    }

    const char* take(size_t count) {
        if (count > bytes_.size() || pos_ > bytes_.size() - count)
            fail("truncated (needs " + std::to_string(count) + " more bytes)");
        const char* data = bytes_.data() + pos_;
        pos_ += count;
        return data;
    }
    uint64_t read_uint(size_t count) {  // little-endian
        const auto* data = reinterpret_cast<const unsigned char*>(take(count));
        uint64_t value = 0;
        for (size_t i = 0; i < count; ++i) value |= static_cast<uint64_t>(data[i]) << (8 * i);
        return value;
    }
    std::string read_line() {
        const size_t start = pos_;
        const size_t end = bytes_.find('\n', start);
        if (end == std::string_view::npos || end - start > 256) fail("bad GLOBAL name");
        pos_ = end + 1;
        return std::string(bytes_.substr(start, end - start));
    }
    std::string read_text(uint64_t size) {
        if (size > bytes_.size()) fail("truncated (a string longer than the file)");
        return std::string(take(static_cast<size_t>(size)), static_cast<size_t>(size));
    }

    void push(PickleRef value) { stack_.push_back(std::move(value)); }
    PickleRef pop() {
        if (stack_.size() <= floor()) fail("stack underflow");
        auto value = std::move(stack_.back());
        stack_.pop_back();
        return value;
    }
    PickleRef& top() {
        if (stack_.size() <= floor()) fail("stack underflow");
        return stack_.back();
    }
    /// Values above the innermost mark may be popped; those below belong to an outer level.
    size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    std::vector<PickleRef> pop_to_mark() {
        if (marks_.empty()) fail("no MARK");
        const size_t mark = marks_.back();
        marks_.pop_back();
        std::vector<PickleRef> items(std::make_move_iterator(stack_.begin() + mark),
                                     std::make_move_iterator(stack_.end()));
        stack_.resize(mark);
        return items;
    }

    /// `value` goes inside `container`: it is frozen, and the container's depth grows.
    void adopt(PickleValue& container, const PickleRef& value) {
        if (value.get() == &container) fail("a container inside itself");
        value->frozen = true;
        container.depth = std::max(container.depth, value->depth + 1);
        if (container.depth > kMaxPickleDepth) fail("values nested too deeply");
    }
    PickleValue& mutable_container(Kind kind) {
        PickleValue& target = *top();
        if (target.kind != kind)
            fail("expected a " + PickleValue::make(kind)->describe() + ", got " +
                 target.describe());
        if (target.frozen) fail("a " + target.describe() + " changed after it was used");
        return target;
    }
    PickleRef make_tuple(std::vector<PickleRef> items) {
        auto tuple = PickleValue::make(Kind::Tuple);
        for (const auto& item : items) adopt(*tuple, item);
        tuple->items = std::move(items);
        return tuple;
    }
    void set_items(std::vector<PickleRef> items) {
        if (items.size() % 2) fail("SETITEMS with an odd number of values");
        PickleValue& dict = mutable_container(Kind::Dict);
        for (size_t i = 0; i < items.size(); i += 2) {
            adopt(dict, items[i]);
            adopt(dict, items[i + 1]);
            dict.entries.emplace_back(std::move(items[i]), std::move(items[i + 1]));
        }
    }
    void append_items(std::vector<PickleRef> items) {
        PickleValue& list = mutable_container(Kind::List);
        for (auto& item : items) {
            adopt(list, item);
            list.items.push_back(std::move(item));
        }
    }
    void memo_put(uint64_t index) {
        if (memo_.size() > bytes_.size()) fail("memo too large");
        memo_[index] = top();
    }
    void memo_get(uint64_t index) {
        const auto found = memo_.find(index);
        if (found == memo_.end()) fail("memo entry " + std::to_string(index) + " not defined");
        push(found->second);
    }
    void global(const std::string& module, const std::string& name) {
        if (!hooks_.find_class) fail("unsupported class " + module + "." + name);
        push(call_hook([&] { return hooks_.find_class(module, name); }));
    }
    template <typename Hook>
    PickleRef call_hook(const Hook& hook) {
        PickleRef result;
        try {
            result = hook();
        } catch (const Error& error) {
            fail(error.what());
        }
        if (!result) fail("a hook returned nothing");
        return result;
    }

    std::string_view bytes_;
    size_t pos_;
    size_t op_pos_ = 0;
    const PickleHooks& hooks_;
    const std::string& name_;
    std::vector<PickleRef> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, PickleRef> memo_;
};

PickleRef Unpickler::run() {
    for (;;) {
        op_pos_ = pos_;
        const auto op = static_cast<unsigned char>(*take(1));
        switch (op) {
            case 0x80: {  // PROTO
                const auto version = read_uint(1);
                if (version < 2 || version > 5)
                    fail("pickle protocol " + std::to_string(version) + " not supported");
                break;
            }
            case 0x95:  // FRAME: a length hint only
                read_uint(8);
                break;
            case '.': {  // STOP
                if (!marks_.empty() || stack_.size() != 1) fail("STOP with a malformed stack");
                return stack_.back();
            }
            case '(':  // MARK
                marks_.push_back(stack_.size());
                break;
            case '0':  // POP
                pop();
                break;
            case '1':  // POP_MARK
                pop_to_mark();
                break;
            case 'N':
                push(PickleValue::make(Kind::None));
                break;
            case 0x88:
            case 0x89: {  // NEWTRUE, NEWFALSE
                auto value = PickleValue::make(Kind::Bool);
                value->boolean = op == 0x88;
                push(value);
                break;
            }
            case 'J':    // BININT
            case 'K':    // BININT1
            case 'M': {  // BININT2
                auto value = PickleValue::make(Kind::Int);
                if (op == 'J')
                    value->integer = static_cast<int32_t>(static_cast<uint32_t>(read_uint(4)));
                else
                    value->integer = static_cast<int64_t>(read_uint(op == 'K' ? 1 : 2));
                push(value);
                break;
            }
            case 0x8a: {  // LONG1
                const auto size = read_uint(1);
                if (size > 8) fail("integer wider than 64 bits");
                uint64_t raw = size ? read_uint(size) : 0;
                if (size > 0 && size < 8 && (raw >> (8 * size - 1)) & 1)
                    raw |= ~uint64_t{0} << (8 * size);  // sign-extend
                auto value = PickleValue::make(Kind::Int);
                value->integer = static_cast<int64_t>(raw);
                push(value);
                break;
            }
            case 'G': {  // BINFLOAT: big-endian double
                const auto* data = reinterpret_cast<const unsigned char*>(take(8));
                uint64_t raw = 0;
                for (int i = 0; i < 8; ++i) raw = (raw << 8) | data[i];
                auto value = PickleValue::make(Kind::Float);
                std::memcpy(&value->real, &raw, sizeof raw);
                push(value);
                break;
            }
            case 'X':     // BINUNICODE
            case 0x8c:    // SHORT_BINUNICODE
            case 0x8d: {  // BINUNICODE8
                const auto size = read_uint(op == 'X' ? 4 : op == 0x8c ? 1 : 8);
                auto value = PickleValue::make(Kind::String);
                value->text = read_text(size);
                push(value);
                break;
            }
            case ')':
                push(PickleValue::make(Kind::Tuple));
                break;
            case 't':
                push(make_tuple(pop_to_mark()));
                break;
            case 0x85:
            case 0x86:
            case 0x87: {  // TUPLE1..3
                const size_t count = op - 0x84;
                if (stack_.size() < floor() + count) fail("stack underflow");
                std::vector<PickleRef> items(stack_.end() - count, stack_.end());
                stack_.resize(stack_.size() - count);
                push(make_tuple(std::move(items)));
                break;
            }
            case ']':
                push(PickleValue::make(Kind::List));
                break;
            case '}':
                push(PickleValue::make(Kind::Dict));
                break;
            case 'a': {  // APPEND
                auto item = pop();
                append_items({std::move(item)});
                break;
            }
            case 'e':
                append_items(pop_to_mark());
                break;   // APPENDS
            case 's': {  // SETITEM
                auto value = pop();
                auto key = pop();
                set_items({std::move(key), std::move(value)});
                break;
            }
            case 'u':
                set_items(pop_to_mark());
                break;  // SETITEMS
            case 'q':
                memo_put(read_uint(1));
                break;  // BINPUT
            case 'r':
                memo_put(read_uint(4));
                break;  // LONG_BINPUT
            case 0x94:
                memo_put(memo_.size());
                break;  // MEMOIZE
            case 'h':
                memo_get(read_uint(1));
                break;  // BINGET
            case 'j':
                memo_get(read_uint(4));
                break;   // LONG_BINGET
            case 'c': {  // GLOBAL
                const auto module = read_line();
                const auto name = read_line();
                global(module, name);
                break;
            }
            case 0x93: {  // STACK_GLOBAL
                const auto name = pop();
                const auto module = pop();
                if (module->kind != Kind::String || name->kind != Kind::String)
                    fail("STACK_GLOBAL needs two strings");
                global(module->text, name->text);
                break;
            }
            case 'Q': {  // BINPERSID
                auto pid = pop();
                pid->frozen = true;
                if (!hooks_.persistent_load) fail("unexpected persistent id");
                push(call_hook([&] { return hooks_.persistent_load(*pid); }));
                break;
            }
            case 'R': {  // REDUCE
                auto args = pop();
                auto callable = pop();
                if (args->kind != Kind::Tuple) fail("REDUCE arguments are not a tuple");
                if (callable->kind != Kind::Global)
                    fail("REDUCE of a " + callable->describe() + ", not a class");
                if (!hooks_.reduce) fail("unsupported call of " + callable->text);
                args->frozen = true;
                push(call_hook([&] { return hooks_.reduce(*callable, *args); }));
                break;
            }
            case 'b': {  // BUILD
                auto state = pop();
                state->frozen = true;
                PickleValue& target = *top();
                if (target.frozen) fail("BUILD on a value already in use");
                if (!hooks_.build) {
                    if (target.kind != Kind::Dict) fail("BUILD on a " + target.describe());
                    break;  // an OrderedDict's _metadata: not needed
                }
                try {
                    hooks_.build(target, *state);
                } catch (const Error& error) {
                    fail(error.what());
                }
                break;
            }
            default: {
                static const char* hex = "0123456789abcdef";
                fail(std::string("unsupported opcode 0x") + hex[op >> 4] + hex[op & 15]);
            }
        }
    }
}

}  // namespace

PickleRef read_pickle(std::string_view bytes, size_t* offset, const PickleHooks& hooks,
                      const std::string& name) {
    STYLECAM_CHECK(*offset <= bytes.size(), name, ": pickle offset past the end");
    Unpickler unpickler(bytes, *offset, hooks, name);
    auto value = unpickler.run();
    *offset = unpickler.position();
    return value;
}

}  // namespace stylecam
