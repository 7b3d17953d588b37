// Error values: every fallible call returns a Status or an Expected<T> whose message names the
// model, node and tensor involved. Nothing in Lacuna aborts on bad input.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace lacuna {

enum class ErrorCode {
  kOk = 0,
  kInvalidModel,     // the model file is malformed or inconsistent
  kUnsupported,      // a valid construct that Lacuna does not implement yet
  kInvalidArgument,  // bad user input: shapes, dtypes, names, options
  kOutOfRange,       // an index or size outside its valid range
  kIo,               // file-system errors
  kInternal,         // a Lacuna bug
  kDynamic,          // shape inference needs a value known only at run time (internal)
};

const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidModel: <message>"
  std::string to_string() const;

  // Prepends context ("node 'conv1' (Conv): ") to the message of an error.
  Status with_context(const std::string& context) const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

Status invalid_model(std::string message);
Status unsupported(std::string message);
Status invalid_argument(std::string message);
Status out_of_range(std::string message);
Status io_error(std::string message);
Status internal_error(std::string message);

// A value or the Status explaining why there is none.
template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Expected(Status status) : v_(std::move(status)) {     // NOLINT: implicit by design
    assert(!std::get<Status>(v_).is_ok());
  }

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  const Status& status() const {
    static const Status kOk;
    return has_value() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace lacuna

#define LACUNA_CONCAT_INNER_(a, b) a##b
#define LACUNA_CONCAT_(a, b) LACUNA_CONCAT_INNER_(a, b)

#define LACUNA_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::lacuna::Status lacuna_status_ = (expr);        \
    if (!lacuna_status_.is_ok()) return lacuna_status_; \
  } while (0)

#define LACUNA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.has_value()) return tmp.status();          \
  lhs = std::move(tmp).value()

#define LACUNA_ASSIGN_OR_RETURN(lhs, expr) \
  LACUNA_ASSIGN_OR_RETURN_IMPL_(LACUNA_CONCAT_(lacuna_expected_, __LINE__), lhs, expr)
