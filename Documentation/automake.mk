# Documentation/automake.mk: the reStructuredText documentation.  Included
# from the top-level Makefile.am; nothing is built, the sources are only
# distributed.  Add new .rst files to DOC_SOURCE.

DOC_SOURCE = \
	Documentation/index.rst \
	Documentation/intro.rst \
	Documentation/install.rst \
	Documentation/howto/vhost-user.rst \
	Documentation/howto/dpdk-testpmd.rst \
	Documentation/ref/vhostuser.rst \
	Documentation/topics/fuzzing.rst \
	Documentation/topics/security.rst \
	Documentation/topics/benchmarking.rst \
	Documentation/internals/design.rst \
	Documentation/internals/messages.rst
EXTRA_DIST += $(DOC_SOURCE)
