#!/usr/bin/env bash
# Test de mutation du cœur du calcul (mutmut 3, docs/tests.md, « Mutation »).
#
#   bash tests/outils/mutation.sh [MODULE …]      # par défaut : les six modules du cœur
#   bash tests/outils/mutation.sh modulation scores repartition
#   SURVIVANTS=1 bash tests/outils/mutation.sh …  # ne refait que les survivants (tests ajoutés)
#
# mutmut nomme un module d'après son chemin (seul un préfixe « src/ » est retiré) : il travaille
# donc dans une copie du dépôt, hors du dépôt (MUTATION_DOSSIER, /tmp/iae-mutation par défaut),
# où python/ devient src/. Rien n'est écrit dans le dépôt. mutmut s'installe à part :
#   python -m venv --system-site-packages /tmp/venv-mutmut && /tmp/venv-mutmut/bin/pip install mutmut==3.8.1
# (MUTMUT=/tmp/venv-mutmut/bin/mutmut par défaut). Les tests lancés pour chaque mutant : ceux
# de TESTS ci-dessous qui passent par la fonction mutée (mutmut le mesure d'abord).
set -euo pipefail
DEPOT="$(cd "$(dirname "$0")/../.." && pwd)"
DOSSIER="${MUTATION_DOSSIER:-/tmp/iae-mutation}"
MUTMUT="${MUTMUT:-/tmp/venv-mutmut/bin/mutmut}"
MODULES=("$@")
[ ${#MODULES[@]} -gt 0 ] || MODULES=(indicateurs modulation scores repartition montants regles)
TESTS=(
  tests/test_scores.py tests/test_proprietes.py tests/test_cas.py tests/test_methode.py
  tests/test_calcul_entrees.py tests/test_udfs.py tests/test_grand_livre.py
  tests/test_parametres.py tests/test_repartition.py tests/test_cli_calcul.py
  tests/hostiles/test_chaine.py
)

mkdir -p "$DOSSIER"
# Copie fraîche de ce qu'il faut du dépôt (sauf mutants/ : les résultats déjà obtenus restent en cache tant
# que le code et les tests d'un mutant n'ont pas changé).
find "$DOSSIER" -mindepth 1 -maxdepth 1 ! -name mutants -exec rm -rf {} +
for chemin in pyproject.toml README.md docs tests templates xl; do cp -r "$DEPOT/$chemin" "$DOSSIER/"; done
cp -r "$DEPOT/python" "$DOSSIER/src"
cd "$DOSSIER"
{
  echo
  echo "[tool.mutmut]"
  echo "source_paths = [\"src/iae_modulation\"]"
  printf 'only_mutate = [%s]\n' "$(printf '"src/iae_modulation/%s.py",' "${MODULES[@]}" | sed 's/,$//')"
  echo "also_copy = [\"README.md\", \"docs\", \"templates\", \"xl\"]"
  printf 'pytest_add_cli_args_test_selection = [%s]\n' \
    "$(printf '"%s",' "${TESTS[@]}" | sed 's/,$//')"
  echo 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-o", "addopts=",'
  echo '  "-m", "not lent and not libreoffice and not windows"]'
} >> pyproject.toml
unset PYTHONPATH  # le paquet muté (mutants/src) doit passer devant tout autre
NOMS=()
if [ -n "${SURVIVANTS:-}" ]; then
  mapfile -t NOMS < <("$MUTMUT" results 2>/dev/null | sed -n 's/^ *\(.*\): survived$/\1/p')
  echo "${#NOMS[@]} survivant(s) refait(s)"
fi
"$MUTMUT" run --max-children "${MUTATION_PROCESSUS:-2}" "${NOMS[@]}"
"$MUTMUT" results --all false > resultats.txt || true
echo "Survivants et mutants sans test : $DOSSIER/resultats.txt (mutmut show NOM pour le détail)"
