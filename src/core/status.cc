// Status helpers.
#include "lacuna/status.h"

namespace lacuna {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kInvalidModel: return "InvalidModel";
    case ErrorCode::kUnsupported: return "Unsupported";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kOutOfRange: return "OutOfRange";
    case ErrorCode::kIo: return "IoError";
    case ErrorCode::kInternal: return "InternalError";
    case ErrorCode::kDynamic: return "Dynamic";
  }
  return "Unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "OK";
  return std::string(error_code_name(code_)) + ": " + message_;
}

Status Status::with_context(const std::string& context) const {
  if (is_ok()) return *this;
  return Status(code_, context + ": " + message_);
}

Status invalid_model(std::string m) { return Status(ErrorCode::kInvalidModel, std::move(m)); }
Status unsupported(std::string m) { return Status(ErrorCode::kUnsupported, std::move(m)); }
Status invalid_argument(std::string m) { return Status(ErrorCode::kInvalidArgument, std::move(m)); }
Status out_of_range(std::string m) { return Status(ErrorCode::kOutOfRange, std::move(m)); }
Status io_error(std::string m) { return Status(ErrorCode::kIo, std::move(m)); }
Status internal_error(std::string m) { return Status(ErrorCode::kInternal, std::move(m)); }

}  // namespace lacuna
