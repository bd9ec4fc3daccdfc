#include "atelier/core/template.h"
// implemented by the core work
