// Kept for the engine files that include it for FormatTimestamp (engine.cc, milestones.cc): the
// rendering of records for clients moved to atelier/api/records_json.h. Include
// atelier/engine/timestamp.h instead; this header goes once nothing includes it.
#pragma once

#include "atelier/engine/timestamp.h"
