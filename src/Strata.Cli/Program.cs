return Strata.Cli.StrataCli.Run(args);
