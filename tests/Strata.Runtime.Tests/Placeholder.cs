namespace Strata.Runtime.Tests;
