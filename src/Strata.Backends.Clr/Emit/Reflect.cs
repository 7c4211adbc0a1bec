using System.Collections.Concurrent;
using System.Reflection;

namespace Strata.Backends.Clr.Emit;

/// <summary>Finds the methods emitted code calls (cached: kernels compile in about a millisecond, and reflection
/// lookups would dominate that).</summary>
internal static class Reflect
{
    private static readonly ConcurrentDictionary<(Type, string, Type?, string), MethodInfo?> Cache = new();

    /// <summary>A public static method of <paramref name="owner"/> by name and exact parameter types.</summary>
    public static MethodInfo Method(Type owner, string name, params Type[] parameters) =>
        Find(owner, name, null, string.Join(",", parameters.Select(p => p.FullName)),
            () => owner.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, parameters))
        ?? throw ClrTypes.Unsupported($"{owner.Name}.{name}({string.Join(", ", parameters.Select(p => p.Name))}) does not exist in this runtime");

    public static MethodInfo? TryMethod(Type owner, string name, params Type[] parameters) =>
        Find(owner, name, null, string.Join(",", parameters.Select(p => p.FullName)),
            () => owner.GetMethod(name, BindingFlags.Public | BindingFlags.Static, parameters));

    /// <summary>A generic method <c>owner.name&lt;T&gt;</c> with <paramref name="arity"/> parameters, instantiated at
    /// <paramref name="t"/>; <paramref name="shape"/> picks among overloads by parameter type names
    /// (<c>"V,V"</c>: vectors of T, <c>"T"</c>: a T, <c>"P"</c>: a T*), or null for any.</summary>
    public static MethodInfo Generic(Type owner, string name, Type t, string shape) =>
        TryGeneric(owner, name, t, shape) ?? throw ClrTypes.Unsupported($"{owner.Name}.{name}<{t.Name}>({shape}) does not exist in this runtime");

    public static MethodInfo? TryGeneric(Type owner, string name, Type t, string shape) => Find(owner, name, t, shape, () =>
    {
        var parts = shape.Length == 0 ? [] : shape.Split(',');
        foreach (var m in owner.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (m.Name != name || !m.IsGenericMethodDefinition || m.GetGenericArguments().Length != 1) continue;
            var ps = m.GetParameters();
            if (ps.Length != parts.Length) continue;
            var g = m.GetGenericArguments()[0];
            bool ok = true;
            for (int i = 0; i < ps.Length && ok; i++)
            {
                var p = ps[i].ParameterType;
                ok = parts[i] switch
                {
                    "T" => p == g,
                    "P" => p.IsPointer && p.GetElementType() == g,
                    "V" => p.IsGenericType && p.GetGenericArguments()[0] == g && p.Name.StartsWith("Vector", StringComparison.Ordinal),
                    _ => false,
                };
            }
            if (ok) return m.MakeGenericMethod(t);
        }
        return null;
    });

    private static MethodInfo? Find(Type owner, string name, Type? t, string shape, Func<MethodInfo?> make) =>
        Cache.GetOrAdd((owner, name, t, shape), _ => make());
}
