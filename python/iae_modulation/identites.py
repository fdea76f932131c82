"""L'identité des structures (SIRET, raison sociale, adresse) : le grand livre fait foi.

Le calcul recopie dans le grand livre l'identité que la table canonique donne de chaque
structure ; les lettres et les décisions la prennent là, à côté du montant qu'elles notifient
ou paient. Une table des structures donnée en plus (`--donnees`, par habitude ou pour un grand
livre relu tel quel) ne sert qu'à vérifier : si elle dit autre chose que le grand livre sur une
seule structure, la commande est refusée et chaque ligne en cause est nommée ; sinon une lettre
de 13 533,31 € pourrait partir à l'adresse d'une autre structure.
"""

from __future__ import annotations

from pathlib import Path

from iae_modulation.colonnes import COLONNES_IDENTITE
from iae_modulation.donnees import lire_donnees
from iae_modulation.resultats import GrandLivre
from iae_modulation.sorties import ErreurEntree, sha256

AFFICHEES = 20  # discordances citées une à une ; les suivantes sont comptées


def verifier_donnees(livre: GrandLivre, donnees: Path, annee: int) -> None:
    """Refuse (`ErreurEntree`) une table des structures qui ne dit pas la même chose que le
    grand livre : même fichier que celui du calcul (empreinte du manifeste), ou, ligne par
    ligne, les mêmes structures avec le même SIRET, la même raison sociale, la même adresse."""
    donnees = Path(donnees)
    if livre.empreinte_donnees is not None and sha256(donnees) == livre.empreinte_donnees:
        return
    lues = lire_donnees(donnees, annee)
    if not lues.rapport.est_valide:
        raise ErreurEntree(
            f"{donnees.name} : ce ne sont pas les données valides d'un calcul.\n"
            + lues.rapport.texte()
        )
    par_identifiant = {ligne["identifiant"]: ligne for ligne in lues.table.to_dict("records")}
    problemes = []
    for structure in livre.lignes:
        identifiant = structure["identifiant"]
        ligne = par_identifiant.pop(identifiant, None)
        lieu = f"{livre.fichier.name}, ligne {structure['ligne_source']} ({identifiant})"
        if ligne is None:
            problemes.append(f"{lieu} : structure absente de {donnees.name}.")
            continue
        for colonne in COLONNES_IDENTITE:
            lue, attendue = str(ligne.get(colonne) or ""), structure[colonne]
            if " ".join(lue.split()) != " ".join(attendue.split()):
                problemes.append(
                    f"{donnees.name}, ligne {ligne['ligne_source']} ({identifiant}), colonne "
                    f"« {colonne} » : « {lue} » ; le grand livre ({lieu}) dit « {attendue} »."
                )
    for identifiant, ligne in par_identifiant.items():
        problemes.append(
            f"{donnees.name}, ligne {ligne['ligne_source']} ({identifiant}) : structure absente "
            f"du grand livre {livre.fichier.name}."
        )
    if problemes:
        reste = len(problemes) - AFFICHEES
        raise ErreurEntree(
            f"{donnees.name} ne décrit pas les structures du grand livre {livre.fichier.name} "
            f"({len(problemes)} discordance(s)) : ce n'est pas la table du calcul. Les lettres et "
            "les décisions prennent l'identité des structures dans le grand livre ; retirez "
            "--donnees, ou donnez la table qu'a lue le calcul.\n"
            + "\n".join(problemes[:AFFICHEES])
            + (f"\n… et {reste} autre(s)." if reste > 0 else "")
        )
