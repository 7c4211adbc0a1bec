return Strata.Bench.BenchCommand.Create().Parse(args).Invoke();
