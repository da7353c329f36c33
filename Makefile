# The two commands of the README.
.PHONY: run test
run:
	@.ci/serve.sh $(ARGS)
test:
	@.ci/test.sh
