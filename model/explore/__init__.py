"""The closed loop: build, boot and measure the exploration plan's configurations on Dask."""
