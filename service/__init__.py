"""`render serve`: an HTTP API over the job queue (jobs/), on Starlette and uvicorn.

Small modules, one concept each: `settings` (what the command line chose),
`auth` (bearer tokens from a file), `limits` (rates, concurrency, request
sizes), `submit` (a request turned into a job's project folder and spec),
`store` (the service's own tables in the queue's database), `webhooks`
(signed deliveries with retries), `metrics` (Prometheus text), `openapi` (the
API's description) and `app` (`create_app(settings)`: the routes and the
lifespan that runs the workers). `server.serve` runs it under uvicorn.

Starlette, uvicorn and python-multipart are the `serve` extra: import
`storyreel.service.app` only where they are installed.
"""
