#!/bin/sh
# utilities/vhu-demo.sh: placeholder, run by "make demo" with the build directory as $1.
