using System.Reflection;
using System.Runtime.Loader;

namespace Strata.Core;

/// <summary>Loads external plugins: each assembly in its own <see cref="AssemblyLoadContext"/>, sharing the Strata
/// contract assemblies with the host so that <see cref="IStrataPlugin"/> and the registered contracts unify.</summary>
public static class PluginLoader
{
    /// <summary>Loads every <c>*.dll</c> in <paramref name="pathOrFolder"/> (or the one file) and registers its plugins.
    /// Returns the names of the plugins loaded.</summary>
    public static IReadOnlyList<string> Load(string pathOrFolder, ExtensionRegistry registry)
    {
        var files = Directory.Exists(pathOrFolder)
            ? Directory.GetFiles(pathOrFolder, "*.dll").Where(f => !Path.GetFileName(f).StartsWith("Strata.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray()
            : File.Exists(pathOrFolder) ? [pathOrFolder]
            : throw new StrataException(ErrorCode.PluginLoadFailed, $"plugin path '{pathOrFolder}' does not exist", "give a plugin .dll or a folder of them");
        var loaded = new List<string>();
        foreach (var file in files)
        {
            Assembly assembly;
            try
            {
                var context = new PluginLoadContext(Path.GetFullPath(file));
                assembly = context.LoadFromAssemblyPath(Path.GetFullPath(file));
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
            {
                throw new StrataException(ErrorCode.PluginLoadFailed, $"'{file}' is not a loadable .NET assembly: {e.Message}",
                    "build the plugin for .NET 10 against Strata.Core", file, e);
            }
            Type[] types;
            try { types = assembly.GetTypes(); }
            catch (ReflectionTypeLoadException e)
            {
                throw new StrataException(ErrorCode.PluginLoadFailed, $"'{file}' has types that cannot be loaded: {e.LoaderExceptions.FirstOrDefault()?.Message}",
                    "rebuild the plugin against this version of Strata", file, e);
            }
            foreach (var type in types.Where(t => typeof(IStrataPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }))
            {
                if (type.GetConstructor(Type.EmptyTypes) is null)
                    throw new StrataException(ErrorCode.PluginLoadFailed, $"plugin type {type.FullName} has no public parameterless constructor",
                        "add one", file);
                var plugin = (IStrataPlugin)Activator.CreateInstance(type)!;
                registry.Load(plugin);
                loaded.Add(plugin.Name);
            }
        }
        return loaded;
    }

    private sealed class PluginLoadContext(string mainAssemblyPath) : AssemblyLoadContext(Path.GetFileNameWithoutExtension(mainAssemblyPath))
    {
        private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

        protected override Assembly? Load(AssemblyName name)
        {
            // Contracts come from the host, so the plugin's IStrataPlugin is the host's IStrataPlugin.
            if (name.Name is { } n && n.StartsWith("Strata.", StringComparison.Ordinal))
                return null;
            var path = _resolver.ResolveAssemblyToPath(name);
            return path is null ? null : LoadFromAssemblyPath(path);
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
            return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
        }
    }
}
