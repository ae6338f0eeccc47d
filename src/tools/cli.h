// What the command-line tools share: parsing with cxxopts, --help, required options, and errors.
#pragma once

#include <cstdio>
#include <cxxopts.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace sw {
namespace cli {

// Parses argv; prints the help (exit code 0) or the error (exit code 2) and returns nothing when
// the tool should exit with *exit_code instead of running.
inline std::optional<cxxopts::ParseResult> Parse(cxxopts::Options& options, int argc, char** argv,
                                                 const std::vector<std::string>& required,
                                                 int* exit_code) {
  try {
    cxxopts::ParseResult args = options.parse(argc, argv);
    if (args.count("help")) {
      std::cout << options.help() << std::endl;
      *exit_code = 0;
      return std::nullopt;
    }
    for (const std::string& name : required) {
      if (!args.count(name)) throw cxxopts::exceptions::exception("--" + name + " is required");
    }
    return args;
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", options.program().c_str(), e.what());
    *exit_code = 2;
    return std::nullopt;
  }
}

// Prints a failed status and returns the tool's exit code for it.
inline int Fail(const char* tool, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", tool, status.ToString().c_str());
  return 1;
}

// A tool's main: runs run(argc, argv) and turns an unexpected exception (std::bad_alloc, a
// filesystem error) into a message and exit code 1.
inline int Main(const char* tool, int (*run)(int, char**), int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", tool, e.what());
    return 1;
  }
}

}  // namespace cli
}  // namespace sw
