using System.CommandLine;
var root = new RootCommand("probe");
var opt = new Option<int>("--epochs") { Description = "x", DefaultValueFactory = _ => 3 };
var cmd = new Command("train", "Train");
cmd.Options.Add(opt);
cmd.SetAction(pr => { System.Console.WriteLine(pr.GetValue(opt)); return 0; });
root.Subcommands.Add(cmd);
return root.Parse(args).Invoke();
