// Boost.JSON built from its sources into the fuzz build, instrumented like the parsers that
// call it (see CMakeLists.txt). Boost's own code: compiled without the project's -Werror.
#include <boost/json/src.hpp>
