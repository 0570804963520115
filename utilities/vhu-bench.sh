#!/bin/sh
# utilities/vhu-bench.sh: placeholder, run by "make bench" with the build directory as $1.
