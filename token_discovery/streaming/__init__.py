"""The pump.fun stream: one connection a deployment, its creations fed to the pipeline in small batches."""
