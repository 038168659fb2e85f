#include "core/types.h"

namespace sms {

const char* StatusName(ServerStatus s) { return s == ServerStatus::kOn ? "on" : "off"; }

}  // namespace sms
