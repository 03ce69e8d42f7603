# The verbs people type. Every target installs what it needs first (scripts/bootstrap.sh).
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
UV := uv run --frozen

.PHONY: setup run token test test-fast lint format synth deploy destroy load chaos bench bench-handler bench-memory bench-gateway bench-burst bench-replica bench-cpu-share seed openapi schema

setup:
	@scripts/bootstrap.sh

## run: the whole system on this machine (VIA=direct bypasses PgBouncer; PORT=3000, its state
## in .local; any other PORT= keeps its own in .local/<port>, so two can run side by side;
## ENV="KEY=VALUE ..." adds variables to the function; DEBUG=1 listens for debugpy on 5678;
## READS=replica puts the Pokédex reads on a hot standby behind its own PgBouncer;
## CPU_SHARE=1 gives each environment the CPU share its memory buys on Lambda, as root)
run: setup
	$(UV) python -m pokedex_local.run $(if $(VIA),--via $(VIA)) $(if $(PORT),--port $(PORT)) \
		$(if $(READS),--reads $(READS)) $(if $(CPU_SHARE),--cpu-share) \
		$(foreach pair,$(ENV),--env=$(pair)) $(if $(DEBUG),--debug-port $(or $(DEBUG_PORT),5678))

## token: a bearer token for the running stack's JWT authorizer, its last line
## (USER=ash, default your login; SCOPE="a b"; TTL=3600; PORT=3001: the stack on that port).
## TOKEN=$$(make -s token USER=ash)
token: setup
	@$(UV) python -m pokedex_local.auth.token --user "$(USER)" --scope "$(SCOPE)" \
		$(if $(TTL),--ttl $(TTL)) $(if $(PORT),--port $(PORT))

## test: every test suite: unit, integration, infra, e2e, the load-lab smoke run and the fault scenarios
test: setup
	$(UV) pytest

## test-fast: unit tests only, no services
test-fast: setup
	$(UV) pytest tests/unit

lint: setup
	$(UV) ruff check .
	$(UV) ruff format --check .
	$(UV) mypy

format: setup
	$(UV) ruff format .
	$(UV) ruff check --fix .

## synth / deploy / destroy: the CDK app (profile=dev|prod, engine=postgres|aurora; the JWT
## issuer: jwt_issuer=https://... jwt_audience=a,b, optional jwt_scopes=s1,s2; docs/deploy.md)
CDK_CONTEXT = -c profile=$(or $(profile),dev) -c engine=$(or $(engine),postgres) \
	$(if $(jwt_issuer),-c jwt_issuer=$(jwt_issuer)) $(if $(jwt_audience),-c jwt_audience=$(jwt_audience)) \
	$(if $(jwt_scopes),-c jwt_scopes=$(jwt_scopes))

synth: setup
	npx --yes aws-cdk@2 synth $(CDK_CONTEXT) --quiet

deploy: setup
	npx --yes aws-cdk@2 deploy $(CDK_CONTEXT)

destroy: setup
	npx --yes aws-cdk@2 destroy $(CDK_CONTEXT)

## load: the load lab, proxy against direct (see docs/benchmarks.md); READS=replica: reads on a
## standby; PROFILE=mixed: one request in ten writes a team; PORT=3000: drive the stack
## running on that port instead of starting its own
load: setup
	$(UV) python -m pokedex_local.loadlab $(if $(READS),--reads $(READS)) \
		$(if $(PROFILE),--profile $(PROFILE)) $(if $(PORT),--stack $(PORT)) $(LOAD_ARGS)

## chaos: the fault lab: one fault at a time under steady load, then the durability run of
## team writes across crashes (see docs/reliability.md)
chaos: setup
	$(UV) python -m pokedex_local.faultlab $(CHAOS_ARGS)
	$(UV) python -m pokedex_local.faultlab.durability $(DURABILITY_ARGS)

## bench-handler: cold init and warm duration of the handler against the original's baseline
bench-handler: setup
	$(UV) python benchmarks/bench_handler.py

## bench-memory: cold start at the CPU share each Lambda memory size buys (root, cgroup v1)
bench-memory: setup
	$(UV) python benchmarks/bench_memory.py

## bench-gateway: throughput and latency through the local gateway at 100 clients
bench-gateway: setup
	$(UV) python benchmarks/bench_gateway.py

## bench-burst: 1,000 clients at once on a fresh stack, then a window after; proxy, then direct
bench-burst: setup
	$(UV) python -m pokedex_local.loadlab.burst --out benchmarks/results/burst.json $(BURST_ARGS)

## bench-cpu-share: Init Duration with and without CPU_SHARE=1 (root, cgroup v1 cpu)
bench-cpu-share: setup
	$(UV) python benchmarks/bench_cpu_share.py

## bench-replica: READS=replica's cost at start and the standby's replay lag under writes
bench-replica: setup
	$(UV) python benchmarks/bench_replica.py

## openapi: regenerate docs/openapi.json from the route table
openapi: setup
	$(UV) python -m pokedex_local.openapi --out docs/openapi.json

## schema: regenerate tests/integration/schema_snapshot.txt, the schema the migrations build
## (from a throwaway PostgreSQL; tests/integration/test_schema_snapshot.py compares with it)
schema: setup
	$(UV) python -m pokedex_local.schema_snapshot

## seed: regenerate the seed migration from data/pokedex.csv
seed: setup
	$(UV) python scripts/generate_seed.py
