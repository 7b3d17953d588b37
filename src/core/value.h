// Run-time values inside the engine are the public lacuna::Value.
#pragma once

#include "lacuna/value.h"

namespace lacuna {

using RtValue = Value;

}  // namespace lacuna
