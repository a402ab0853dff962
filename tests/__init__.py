"""The test suite: tests mirror the packages (model, worker, api, backprop_lab) plus e2e."""
