namespace Strata.Backends.Clr.Tests;
